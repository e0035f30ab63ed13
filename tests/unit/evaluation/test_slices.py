"""Worst slices: the weak group comes first; small, one-class and id-like slices are skipped."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from sklearn import metrics as skm

from modelward.errors import InputError
from modelward.evaluation.slices import worst_slices
from modelward.spec.model import Task
from modelward.training.evidence import Evidence
from modelward.training.target import Target

TARGET = Target("label", Task.BINARY, ("no", "yes"))


def _evidence(n: int = 1200) -> Evidence:
    """Region 'south' gets noise for predictions; 'tiny' has 20 rows; 'pure' is one class."""
    rng = np.random.default_rng(0)
    region = np.array(["north"] * 500 + ["south"] * 400 + ["pure"] * 280 + ["tiny"] * 20)
    y = (rng.random(n) < 0.4).astype(np.int64)
    y[region == "pure"] = 0
    p1 = np.clip(0.5 * y + 0.5 * rng.random(n), 0, 1)
    south = region == "south"
    p1[south] = rng.random(int(south.sum()))
    frame = pl.DataFrame(
        {
            "id": [f"c{i}" for i in range(n)],
            "region": region,
            "age": rng.integers(18, 90, n),
            "label": np.where(y == 1, "yes", "no"),
        }
    )
    oof = np.column_stack([1 - p1, p1])
    return Evidence(TARGET, frame, y, oof, oof)


def test_the_weak_slice_comes_first_with_a_plain_sentence() -> None:
    evidence = _evidence()
    report = worst_slices(evidence, "roc_auc")
    worst = report.worst[0]
    south = evidence.frame["region"].to_numpy() == "south"
    expected = skm.roc_auc_score(evidence.y[south], evidence.oof[south, 1])
    assert (worst.column, worst.condition, worst.rows) == ("region", "region = south", 400)
    assert worst.score == pytest.approx(expected)
    assert worst.gap == pytest.approx(report.overall - expected)
    assert worst.sentence.startswith("region = south (400 rows): ROC-AUC 0.")
    assert worst.sentence.endswith(" overall")
    assert report.facts() == {"worst_slice_gap": worst.gap}
    assert [s.gap for s in report.worst] == sorted((s.gap for s in report.worst), reverse=True)
    assert json.dumps(report.to_json(), allow_nan=False)


def test_small_one_class_and_id_like_slices_are_skipped() -> None:
    report = worst_slices(_evidence(), "roc_auc")
    conditions = {s.condition for s in report.worst}
    assert "region = tiny" not in conditions  # 20 rows < 30
    assert "region = pure" not in conditions  # one class: no AUC
    assert not any(s.column in ("id", "label") for s in report.worst)
    assert "identifier-like: id" in report.notes[0]


def test_numeric_columns_are_cut_into_quartiles() -> None:
    report = worst_slices(_evidence(), "roc_auc", limit=50)
    ages = [s for s in report.worst if s.column == "age"]
    assert len(ages) == 4
    assert sum(s.rows for s in ages) == 1200
    assert any(s.condition.startswith("age ≤ ") for s in ages)
    assert any(s.condition.startswith("age > ") for s in ages)


def test_a_one_class_slice_still_counts_for_accuracy() -> None:
    report = worst_slices(_evidence(), "accuracy", limit=50)
    assert "region = pure" in {s.condition for s in report.worst}


def test_lower_is_better_metrics_rank_the_highest_loss_first() -> None:
    report = worst_slices(_evidence(), "log_loss")
    worst = report.worst[0]
    assert worst.condition == "region = south"
    assert worst.score > report.overall
    assert worst.gap == pytest.approx(worst.score - report.overall)


def test_regression_slices() -> None:
    rng = np.random.default_rng(2)
    group = np.repeat(["a", "b", "c"], 100)
    y = rng.normal(0, 1, 300)
    pred = y + np.where(group == "c", 3.0, 0.1) * rng.normal(0, 1, 300)
    frame = pl.DataFrame({"group": group, "v": y})
    evidence = Evidence(Target("v", Task.REGRESSION), frame, y, pred, pred)
    report = worst_slices(evidence, "rmse")
    assert report.worst[0].condition == "group = c"
    assert report.worst[0].sentence.startswith("group = c (100 rows): RMSE ")


def test_a_bad_limit_is_refused() -> None:
    with pytest.raises(InputError, match="limit: got 0; expected a whole number of slices"):
        worst_slices(_evidence(), "roc_auc", limit=0)
