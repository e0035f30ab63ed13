"""The model card of a real trained and evaluated wa_churn model: every section, honest
limitations, inert user text, no event recorded, and the `models card` command."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from markdown_it import MarkdownIt
from typer.testing import CliRunner

import modelward
from modelward.access.users import Role
from modelward.cli.card import card_command
from modelward.cli.context import AppState
from modelward.errors import Forbidden, InputError
from modelward.permissions import add_user
from modelward.registry import Stage, get_model
from modelward.review import approve, promote
from modelward.review.card import card_of, gather, model_card
from modelward.review.card_html import md_text
from modelward.review.card_sections import SECTIONS
from modelward.spec import parse_spec
from tests.unit.registry.conftest import registrar
from tests.unit.review.conftest import CARD_SPEC

TITLES = (
    "Intended use and business justification",
    "Data",
    "Design",
    "Evaluation",
    "Fairness",
    "Explanations",
    "Business value",
    "Memorization and robustness",
    "Limitations",
    "Gates",
    "Approvals and stage history",
    "Lineage",
)
HOSTILE = "<script>alert(1)</script> | [x](javascript:alert(1)) ![i](http://evil.test/i.png)"


def test_the_card_states_every_section_from_the_records(trained: Path) -> None:
    with modelward.open(home=trained, actor="rita") as ws:
        card = model_card(ws, "churn@candidate")
        run = modelward.get_run(ws, card.data["lineage"]["run"])
    text = card.markdown
    assert [s.title for s in card.sections] == list(TITLES)
    for number, title in enumerate(TITLES, start=1):
        assert f"## {number}. {title}\n" in text
    assert "Predict which telco customers churn" in text
    assert "positive label `Yes`" in text
    assert "a false negative -400.00" in text
    assert "churn@1, sha256 `" + run.params["dataset_sha256"] + "`" in text
    assert "1,500 rows, 21 columns" in text
    assert "| linear | 1.000 | onnx | C=" in text
    assert "seed 0" in text
    assert "5-fold cross-validation" in text
    assert "**ROC-AUC 0." in text
    assert "(95% CI 0." in text
    assert "**Baselines:**" in text
    assert "**Worst slices:**" in text
    assert "- female: selection rate" in text
    assert "drives the chance of churn" in text
    assert "**Returns:**" in text
    assert "memorization risk is" in text
    assert "| roc_auc \\>= 0.8 |" in text
    assert run.uid in text
    assert card.data["lineage"]["signature"] == "valid"
    assert card.data["lineage"]["manifest_sha256"] in text


def test_limitations_are_derived_honestly(trained: Path) -> None:
    with modelward.open(home=trained, actor="rita") as ws:
        card = model_card(ws, "churn/v1")
    found = card.data["limitations"]
    assert "out-of-fold" in found[0]
    assert "not a later one" in found[0]
    assert any("audit has" in line and "warning(s)" in line for line in found)
    assert all(line in card.markdown for line in (f"- {md_text(x, code=True)}" for x in found))


def test_failed_parts_small_groups_and_flags_become_limitations(trained: Path) -> None:
    with modelward.open(home=trained, actor="rita") as ws:
        src = gather(ws, get_model(ws, "churn/v1"))
    assert src.evaluation is not None
    report = copy.deepcopy(src.evaluation.report)
    report["robustness"] = {"error": "ValueError: no columns to perturb"}
    report["overfitting"].update(overfitting=True, message="a gap of 0.2: it memorizes")
    report["privacy"].update(level="high", message="memorization risk is high")
    group = report["fairness"]["attributes"][0]["groups"][0]
    group.update(judged=False, rows=12)
    card = card_of(replace(src, evaluation=replace(src.evaluation, report=report)))
    found = "\n".join(card.data["limitations"])
    assert "Parts of the evaluation failed and say nothing: robustness." in found
    assert "Overfitting: a gap of 0.2: it memorizes." in found
    assert "Memorization: memorization risk is high." in found
    assert f"for female: {group['group']} (12 rows)" in found
    assert "**Robustness:** not computed: this part failed (ValueError: no columns" in card.markdown


def test_making_a_card_records_no_event(trained: Path) -> None:
    with modelward.open(home=trained, actor="rita") as ws:
        before = ws.read_events(limit=1)[0]
        card = model_card(ws, "churn/v1")
        after = ws.read_events(limit=1)[0]
    assert before == after
    assert card.data["as_of"] == {"seq": before.seq, "hash": before.hash}


def test_reviews_stage_moves_and_refusals_are_on_the_card(trained_home: Path) -> None:
    with modelward.open(home=trained_home, actor="root") as ws:
        add_user(ws, "root", Role.ADMIN)
        add_user(ws, "ana", Role.SCIENTIST)
        add_user(ws, "risk-office", Role.APPROVER)
    with (
        modelward.open(home=trained_home, actor="ana") as ws,
        pytest.raises(Forbidden, match="approver"),
    ):
        approve(ws, "churn/v1", comment="my own model is fine")
    with modelward.open(home=trained_home, actor="risk-office") as ws:
        approve(ws, "churn/v1", comment=f"Within policy. {HOSTILE}")
        promote(ws, "churn/v1", to=Stage.STAGING)
        card = model_card(ws, "churn/v1")
    text = card.markdown
    assert "| approved | risk-office | approver | Within policy." in text
    assert "candidate → staging | risk-office | risk-office |" in text
    assert "### Refused attempts" in text
    assert "`model.approve.refused`" in text
    assert card.data["stage_changes"][0]["to"] == "staging"
    assert card.data["reviews"][0]["comment"].startswith("Within policy.")
    page = card.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    for markup in ("<script", "<a ", "<img", "href=", "src="):
        assert markup not in page


def test_user_text_cannot_add_markdown_structure(trained_home: Path) -> None:
    hostile = {
        **CARD_SPEC,
        "description": "# Approved!\n\n| a | b |\n" + HOSTILE,
        "owners": ["a|b"],
    }
    with modelward.open(home=trained_home, actor="ana") as ws:
        modelward.update_project(ws, parse_spec(hostile))
        card = model_card(ws, "churn/v1")
    rendered = MarkdownIt("commonmark", {"html": False}).enable("table").render(card.markdown)
    assert rendered.count("<h1>") == 1
    assert "<h1>Approved" not in rendered
    assert 'href="http' not in rendered
    purpose = next(line for line in card.markdown.splitlines() if "**Purpose:**" in line)
    assert purpose.startswith("- **Purpose:** \\# Approved! \\| a \\| b \\| \\<script\\>")
    assert "**Owners:** a\\|b" in card.markdown


@pytest.mark.parametrize(
    ("raw", "html"),
    [
        ("# heading", "<li># heading</li>"),
        ("- nested", "<li>- nested</li>"),
        ("1. ordered", "<li>1. ordered</li>"),
        ("> quote", "<li>&gt; quote</li>"),
        ("a *b* _c_ `d` [e](f)", "<li>a *b* _c_ `d` [e](f)</li>"),
        ("&amp; &#60;", "<li>&amp;amp; &amp;#60;</li>"),
        ("senior_citizen x_1", "<li>senior_citizen x_1</li>"),
    ],
)
def test_md_text_shows_text_as_written(raw: str, html: str) -> None:
    rendered = MarkdownIt("commonmark", {"html": False}).render(f"- {md_text(raw)}")
    assert html in rendered


def test_an_unevaluated_model_says_how_to_evaluate_it(trained_home: Path) -> None:
    with modelward.open(home=trained_home, actor="ana") as ws:
        registrar(ws)()
        card = model_card(ws, "churn/v2")
    hint = "Not evaluated: run `modelward evaluate churn/v2`."
    for key in ("evaluation", "fairness", "explanations", "value", "risks"):
        section = next(s for s in card.sections if s.key == key)
        assert hint in section.markdown, key
    assert card.data["evaluation"] is None
    assert card.data["limitations"][0].startswith("Not evaluated")
    assert "Unknown: no run on record." in card.markdown


def _other() -> None:
    """A second command."""


def _cli(home: Path, *args: str) -> tuple[int, str, BaseException | None]:
    app = typer.Typer()
    app.command("card")(card_command)
    app.command("other")(_other)  # two commands, so that `card` is a sub-command
    state = AppState(overrides={"home": home, "actor": "rita"})
    result = CliRunner().invoke(app, ["card", *args], obj=state)
    return result.exit_code, result.stdout, result.exception


def test_card_command_prints_markdown_or_json(trained: Path) -> None:
    code, out, _ = _cli(trained, "churn/v1")
    assert code == 0
    assert out.startswith("# Model card: churn/v1\n")
    assert "| roc_auc \\>= 0.8 |" in out
    code, out, _ = _cli(trained, "churn/v1", "--json")
    body = json.loads(out)
    assert code == 0
    assert body["model"] == "churn/v1"
    assert body["markdown"].startswith("# Model card")
    assert [s["key"] for s in body["sections"]] == [key for key, _, _ in SECTIONS]


@pytest.mark.parametrize("name", ["card.md", "card.html"])
def test_card_command_writes_a_file(trained: Path, tmp_path: Path, name: str) -> None:
    code, out, _ = _cli(trained, "churn/v1", "-o", str(tmp_path / name))
    written = (tmp_path / name).read_text(encoding="utf-8")
    assert code == 0
    assert str(tmp_path / name) in out
    assert written.startswith("<!DOCTYPE html>" if name.endswith(".html") else "# Model card")
    assert [p.name for p in tmp_path.iterdir()] == [name]


@pytest.mark.parametrize(
    ("name", "expected"),
    [("card.pdf", "ending in .md or .html"), ("missing/card.md", "an existing folder")],
)
def test_card_command_refuses_a_bad_output(
    trained: Path, tmp_path: Path, name: str, expected: str
) -> None:
    code, _, error = _cli(trained, "churn/v1", "-o", str(tmp_path / name))
    assert code != 0
    assert isinstance(error, InputError)
    assert "--output" in error.message
    assert expected in error.message
