"""The serving, monitoring, retraining and ledger commands, as a user types them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.conftest import Cli


@pytest.fixture
def home(served_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MODELWARD_USER", "ana")
    return served_home


def test_deploy_monitor_ledger_and_tokens_from_the_command_line(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = cli("deploy", "create", "churn-api", "--model", "churn/v1", "--json")
    assert made.code == 0, made.err
    assert made.json()["routes"]["primary"] == "churn/v1"
    refused = cli("deploy", "canary", "churn-api", "--model", "churn/v3")
    assert refused.code == 2
    assert "passed review" in refused.err
    assert cli("deploy", "canary", "churn-api", "--model", "churn/v2", "--weight", "25").code == 0
    shown = cli("deploy", "show", "churn-api", "--json").json()
    assert [r["action"] for r in shown["revisions"]] == ["create", "canary_set"]
    assert cli("deploy", "rollback", "churn-api", "--json").json()["routes"]["canary"] is None
    assert "churn-api" in cli("deploy", "list").out

    checked = cli("monitor", "run", "--deployment", "churn-api", "--json")
    assert checked.code == 0, checked.err
    (result,) = checked.json()
    assert result["rows"] == 0
    assert {f["severity"] for f in result["findings"]} == {"not_judged"}
    assert cli("monitor", "alerts", "--json").json() == []
    compared = cli("deploy", "compare", "churn-api", "--json").json()
    assert compared["comparisons"] == []

    book = cli("ledger", "--project", "churn", "--json")
    assert book.code == 0, book.err
    assert "churn" in book.out

    no_data = cli("retrain", "churn-api", "--trials", "1")
    assert no_data.code == 2
    assert "--data" in no_data.err

    refused_token = cli("tokens", "create", "vic")
    assert refused_token.code == 2
    assert "only an admin" in refused_token.err
    monkeypatch.setenv("MODELWARD_USER", "root")
    issued = cli("tokens", "create", "vic", "--label", "dashboard", "--json")
    assert issued.code == 0, issued.err
    token_id = issued.json()["token_id"]
    assert cli("tokens", "revoke", token_id, "--json").json()["status"] == "revoked"
    assert token_id in cli("tokens", "list").out

    bad = cli("serve", "--port", "0")
    assert bad.code == 2
    assert "--port" in bad.err
