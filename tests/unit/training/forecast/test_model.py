"""The global model: accurate per series, deterministic, persisted exactly, and strict about
the periods it is asked for."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.training.forecast.model import ForecastModel
from modelward.training.forecast.series import check_series
from tests.unit.training.forecast.data import CHICAGO, FAST, SHOPS, shops

END = dt.date(2016, 5, 2)  # the shops' last day


def shop_future(
    days: int = 7, *, promo: bool = False, names: tuple[str, ...] = ("big", "small")
) -> pl.DataFrame:
    dates = [END + dt.timedelta(days=i + 1) for i in range(days)]
    return pl.DataFrame(
        {
            "day": dates * len(names),
            "shop": [n for n in names for _ in dates],
            "promo": [promo] * (days * len(names)),
            "channel": ["web"] * (days * len(names)),
        }
    )


def test_chicago_forecast_is_close(
    chicago_model: ForecastModel, chicago_frame: pl.DataFrame
) -> None:
    last = chicago_frame.tail(CHICAGO.horizon)
    out = chicago_model.forecast(None, last.drop("ridership"))
    assert out.columns == ["date", "prediction", "lower", "upper"]
    error = np.abs(out["prediction"].to_numpy() - last["ridership"].to_numpy())
    assert error.mean() < 1.0  # ridership is 6 (weekends) to 21 (weekdays) thousands
    assert (out["lower"] <= out["prediction"]).all()
    assert (out["prediction"] <= out["upper"]).all()


def test_intervals_widen_with_the_step(
    chicago_model: ForecastModel, chicago_frame: pl.DataFrame
) -> None:
    widths = np.asarray(chicago_model.intervals.widths)
    assert widths.size == CHICAGO.horizon
    assert (np.diff(widths) >= 0).all()
    assert widths[0] > 0
    assert chicago_model.intervals.level == 0.8
    out = chicago_model.forecast(None, chicago_frame.tail(CHICAGO.horizon).drop("ridership"))
    half = (out["upper"] - out["lower"]).to_numpy()
    assert (np.diff(half) >= -1e-9).all()


def test_round_trip_gives_identical_forecasts(
    chicago_model: ForecastModel, chicago_frame: pl.DataFrame
) -> None:
    description, files = chicago_model.to_files()
    loaded = ForecastModel.from_files(json.loads(json.dumps(description)), files)
    future = chicago_frame.tail(CHICAGO.horizon).drop("ridership")
    assert loaded.forecast(None, future).equals(chicago_model.forecast(None, future))
    assert set(files) == {"forecast-model.txt", "forecast-history.json"}


def test_a_foreign_description_is_refused() -> None:
    with pytest.raises(ValueError, match="not a forecast model"):
        ForecastModel.from_files({"format": "modelward.bundle/1"}, {})


def test_each_group_is_forecast_at_its_own_scale(shops_model: ForecastModel) -> None:
    out = shops_model.forecast(None, shop_future())
    big = out.filter(pl.col("shop") == "big")["prediction"].to_numpy()
    small = out.filter(pl.col("shop") == "small")["prediction"].to_numpy()
    assert 80 < big.mean() < 160
    assert 4 < small.mean() < 8
    promoted = shops_model.forecast(None, shop_future(promo=True))
    lifted = promoted["prediction"].to_numpy() > out["prediction"].to_numpy()
    assert lifted.mean() > 0.8  # promotions lift sales
    assert (out["lower"] >= 0).all()


def test_fitting_is_deterministic(shops_model: ForecastModel) -> None:
    again = ForecastModel.fit(check_series(shops(), SHOPS), seed=0, threads=1, settings=FAST)
    future = shop_future()
    assert again.forecast(None, future).equals(shops_model.forecast(None, future))


def test_an_interval_level_outside_0_1_is_refused() -> None:
    with pytest.raises(InputError, match=r"level: got 1\.5; expected an interval level between 0"):
        ForecastModel.fit(check_series(shops(), SHOPS), level=1.5)


def test_rows_come_back_in_the_future_frames_order(shops_model: ForecastModel) -> None:
    future = shop_future()
    shuffled = future.with_row_index("i").sample(fraction=1.0, shuffle=True, seed=3)
    out = shops_model.forecast(None, shuffled.drop("i"))
    expected = shops_model.forecast(None, future)[shuffled["i"].to_list()]
    assert out.equals(expected)
    assert shops_model.forecast(None, future.head(0)).height == 0


def test_a_newer_history_moves_the_start(shops_model: ForecastModel) -> None:
    frame = shops(130)  # ten days past the training data
    later = shop_future(17).filter(pl.col("day") > END + dt.timedelta(days=10))
    out = shops_model.forecast(frame.drop("promo", "channel"), later)
    assert out.height == 14
    assert out["prediction"].is_finite().all()
    with pytest.raises(
        InputError, match=r"is 11 days after the history's end 2016-05-02 \(group shop='big'\)"
    ):
        shops_model.forecast(None, later)


def test_a_too_short_history_is_refused(shops_model: ForecastModel) -> None:
    with pytest.raises(
        InputError, match=r"history: group shop='big' has 10 row\(s\); the model reads"
    ):
        shops_model.forecast(shops(130).filter(pl.col("day") > END), shop_future())


FUTURE_CASES = [
    (
        lambda f: pl.concat([f, shop_future(names=("tiny",))]),
        r"group shop='tiny' was not in the training data; the model forecasts only the 2 series",
    ),
    (lambda f: f.drop("promo"), r"future: missing covariate column\(s\) 'promo'"),
    (lambda f: f.drop("day"), r"future: missing column\(s\) 'day'"),
    (
        lambda f: f.with_columns(
            pl.when(pl.col("day") == END + dt.timedelta(days=2))
            .then(None)
            .otherwise("promo")
            .alias("promo")
        ),
        r"future: covariate 'promo' is missing at 2016-05-04 \(2 row\(s\) in all\)",
    ),
    (
        lambda f: f.with_columns(pl.col("day") + dt.timedelta(days=4)),
        r"future: 2016-05-10 is 8 days after the history's end 2016-05-02 \(group shop='big'\); "
        r"this model forecasts at most 7 days ahead",
    ),
    (
        lambda f: f.with_columns(pl.col("day") - dt.timedelta(days=3)),
        r"future: 2016-04-30 is not after the history's end 2016-05-02 \(group shop='big'\)",
    ),
    (
        lambda f: f.with_columns(pl.col("day").cast(pl.Datetime) + dt.timedelta(hours=6)),
        r"future: 2016-05-03 06:00 is not on the series' daily grid",
    ),
    (
        lambda f: pl.concat([f, f.tail(1)]),
        r"future: 1 duplicated row\(s\); the first is 2016-05-09 in group shop='small'",
    ),
    (
        lambda f: f.filter(pl.col("day") != END + dt.timedelta(days=1)),
        r"future: group shop='big' has no row for 2016-05-03; a forecast runs period by period",
    ),
    (
        lambda f: f.with_columns(promo=pl.lit("maybe")),
        r"covariate 'promo': got 'maybe'; expected flag values",
    ),
]


@pytest.mark.parametrize(("change", "message"), FUTURE_CASES)
def test_bad_future_rows_are_refused(
    shops_model: ForecastModel, change: object, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        shops_model.forecast(None, change(shop_future()))  # type: ignore[operator]


def test_the_horizon_message_counts_days(chicago_model: ForecastModel) -> None:
    future = pl.DataFrame({"date": ["2016-09-07"]}).with_columns(
        *(pl.lit(0.0).alias(c) for c in CHICAGO.covariates)
    )
    with pytest.raises(
        InputError,
        match=r"future: 2016-09-07 is 24 days after the history's end 2016-08-14; "
        r"this model forecasts at most 14 days ahead",
    ):
        chicago_model.forecast(None, future)
