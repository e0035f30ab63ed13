"""One access check and one refusal: Forbidden (403 / exit 2), recorded, for every action."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import modelward
from modelward.access.users import Role
from modelward.errors import Forbidden
from modelward.permissions import RULES, add_user, require
from modelward.permissions.rules import rule_of

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL

SRC = Path(__file__).parents[3] / "src" / "modelward"
ACTIONS = sorted(a.replace("*", "anything") for a in RULES)


def test_every_action_checked_in_the_code_has_a_rule() -> None:
    checked = set()
    for path in SRC.rglob("*.py"):
        for match in re.finditer(r'require\(\s*ws,\s*f?"([a-z_.{}]+)"', path.read_text()):
            checked.add(re.sub(r"\{[^}]*\}", "anything", match.group(1)))
    assert checked  # the scan found the checks
    for action in checked:
        rule_of(action)  # a KeyError names the action without a rule


@pytest.mark.parametrize("action", ACTIONS)
def test_a_viewer_is_refused_every_action_and_the_refusal_is_recorded(
    tmp_path: Path, action: str
) -> None:
    home = tmp_path / "ws"
    with modelward.open(home=home, actor="root") as ws:
        add_user(ws, "root", Role.ADMIN)
        add_user(ws, "vic", Role.VIEWER)
    with modelward.open(home=home, actor="vic") as ws:
        with pytest.raises(Forbidden, match=f"vic is a viewer and may not {rule_of(action).doing}"):
            require(ws, action, "thing/1")
        last = ws.read_events(limit=1)[0]
    assert (last.action, last.subject) == (f"{action}.refused", "thing/1")
    assert "needs the" in last.payload_data()["reason"]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_single_user_workspace_lets_anyone_act_but_decisions_need_a_named_user(
    tmp_path: Path, action: str
) -> None:
    with modelward.open(home=tmp_path / "ws", actor="someone") as ws:
        if rule_of(action).named:
            with pytest.raises(Forbidden, match="'someone' is not a registered user"):
                require(ws, action, "thing/1")
        else:
            assert require(ws, action, "thing/1") is None


def test_the_role_a_subject_needs_can_be_raised(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    with modelward.open(home=home, actor="root") as ws:
        add_user(ws, "root", Role.ADMIN)
        add_user(ws, "ana", Role.SCIENTIST)
    with modelward.open(home=home, actor="ana") as ws:
        assert require(ws, "model.archive", "model/churn/v1") is not None
        with pytest.raises(Forbidden, match="needs the approver role or above"):
            require(ws, "model.archive", "model/churn/v1", at_least=Role.APPROVER)


def test_an_action_without_a_rule_is_a_programming_error() -> None:
    with pytest.raises(KeyError, match=r"no access rule for 'model\.frobnicate'"):
        rule_of("model.frobnicate")
