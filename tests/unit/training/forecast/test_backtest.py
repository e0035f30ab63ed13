"""The rolling-origin backtest: nothing after an origin reaches its forecast; honest metrics."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.training.forecast.backtest import Backtest, backtest
from modelward.training.forecast.series import check_series
from tests.unit.training.forecast.data import CHICAGO, FAST, SHOPS, shops

FORECASTS = ["model", "lower", "upper", "seasonal_naive", "ets"]


def run(frame: pl.DataFrame, origins: int = 2) -> Backtest:
    return backtest(check_series(frame, CHICAGO), origins=origins, seed=0, threads=1, settings=FAST)


@pytest.fixture(scope="module")
def chicago_backtest(chicago_frame: pl.DataFrame) -> Backtest:
    return run(chicago_frame)


def test_rows_and_metrics(chicago_backtest: Backtest) -> None:
    rows = chicago_backtest.rows
    assert rows.height == 2 * 14
    assert rows.columns[:3] == ["origin", "step", "date"]
    assert rows["step"].to_list() == list(range(1, 15)) * 2
    assert chicago_backtest.origin_times == ("2016-08-01", "2016-08-15")  # first periods
    overall = chicago_backtest.overall()
    assert set(overall) == {"model", "seasonal_naive", "ets", "coverage"}
    assert overall["model"]["mase"] < overall["seasonal_naive"]["mase"]
    model = overall["model"]
    error = np.abs(rows["model"].to_numpy() - rows["actual"].to_numpy())
    assert model["mae"] == pytest.approx(error.mean())
    assert model["wape"] == pytest.approx(error.sum() / rows["actual"].to_numpy().sum())
    assert model["rmse"] >= model["mae"]


def test_report_is_json(chicago_backtest: Backtest) -> None:
    report = json.loads(json.dumps(chicago_backtest.to_json()))
    assert len(report["per_step"]) == 14
    assert report["per_step"][0]["step"] == 1
    assert report["level"] == 0.8
    assert 0 <= report["overall"]["coverage"] <= 1
    assert set(report["seconds"]) == {"model", "seasonal_naive", "ets"}


def test_changing_values_after_an_origin_changes_nothing_before_it(
    chicago_frame: pl.DataFrame, chicago_backtest: Backtest
) -> None:
    last = pl.arange(0, chicago_frame.height) >= chicago_frame.height - 14
    # Targets and covariates of the last window: the first origin's fit never saw them.
    scrambled = chicago_frame.with_columns(
        pl.when(last).then(pl.col(c) * 3 + 1).otherwise(pl.col(c)).alias(c)
        for c in ("ridership", "temp", "humidity")
    )
    again = run(scrambled).rows
    first = chicago_backtest.rows.filter(pl.col("origin") == 0)
    assert again.filter(pl.col("origin") == 0).equals(first)
    # Targets alone: even the window's own forecasts stay, only its actuals move.
    targets = chicago_frame.with_columns(
        pl.when(last).then(pl.col("ridership") * 3).otherwise("ridership").alias("ridership")
    )
    moved = run(targets).rows
    assert moved.select(FORECASTS).equals(chicago_backtest.rows.select(FORECASTS))
    assert not moved["actual"].equals(chicago_backtest.rows["actual"])


def test_groups_are_scored_each(chicago_backtest: Backtest) -> None:
    result = backtest(check_series(shops(), SHOPS), origins=2, seed=0, threads=1, settings=FAST)
    report = result.to_json()
    assert [g["shop"] for g in report["per_group"]] == ["big", "small"]
    assert result.rows.height == 2 * 2 * 7
    assert np.isfinite(result.rows["model"].to_numpy()).all()


def test_too_many_origins_are_refused(chicago_frame: pl.DataFrame) -> None:
    with pytest.raises(
        InputError,
        match=r"origins: got 80; the series has 0 periods before the first origin 2013-08-05 "
        r"and needs 56: use at most 74",
    ):
        run(chicago_frame, origins=80)
    with pytest.raises(InputError, match="origins: got 0; expected at least 1"):
        run(chicago_frame, origins=0)
