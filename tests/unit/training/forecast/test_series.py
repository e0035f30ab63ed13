"""Checking a frame of series: frequencies found, every bad input refused with its fix."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from modelward.errors import InputError
from modelward.training.forecast.grid import Frequency
from modelward.training.forecast.series import SeriesSpec, check_series
from tests.unit.training.forecast.data import CHICAGO, SHOPS, chicago, shops


def spec(**changes: object) -> SeriesSpec:
    fields = SHOPS.to_json() | changes
    return SeriesSpec.from_json(fields)


def test_chicago_is_daily_and_sorted() -> None:
    series = check_series(chicago(), CHICAGO)
    assert series.frequency is Frequency.DAILY
    assert series.frequency.season == 7
    assert series.frame["date"].dtype == pl.Datetime("us")
    assert series.keys == ((),)
    assert series.y.size == 5698


def test_rows_are_sorted_by_group_then_time() -> None:
    frame = shops().sample(fraction=1.0, shuffle=True, seed=1)
    series = check_series(frame, SHOPS)
    assert series.keys == (("big",), ("small",))
    assert series.frame["day"].is_sorted() is False  # two groups, each sorted
    for g in range(2):
        assert series.frame["day"][series.rows(g)].is_sorted()
    assert series.bounds.tolist() == [0, 120, 240]


@pytest.mark.parametrize(
    ("step", "frequency", "rows", "horizon"),
    [
        (dt.timedelta(hours=1), Frequency.HOURLY, 120, 12),
        (dt.timedelta(days=7), Frequency.WEEKLY, 110, 4),
    ],
)
def test_fixed_steps_are_inferred(
    step: dt.timedelta, frequency: Frequency, rows: int, horizon: int
) -> None:
    start = dt.datetime(2015, 1, 4, 6)
    frame = pl.DataFrame({"t": [start + i * step for i in range(rows)], "y": range(rows)})
    series = check_series(frame, SeriesSpec(time="t", target="y", horizon=horizon))
    assert series.frequency is frequency
    assert series.periods.tolist() == list(range(series.periods[0], series.periods[0] + rows))


@pytest.mark.parametrize("last_day", [False, True])
def test_months_on_their_first_or_last_day_are_monthly(last_day: bool) -> None:
    firsts = [dt.date(2010 + i // 12, i % 12 + 1, 1) for i in range(40)]
    dates = [(d + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1) for d in firsts]
    frame = pl.DataFrame({"month": dates if last_day else firsts, "y": range(40)})
    series = check_series(frame, SeriesSpec(time="month", target="y", horizon=3))
    assert series.frequency is Frequency.MONTHLY
    assert series.grid.phase == (1 if last_day else 0)
    assert series.frequency.season == 12


def test_iso_text_times_are_parsed() -> None:
    frame = shops().with_columns(pl.col("day").cast(pl.String))
    assert check_series(frame, SHOPS).frame["day"].dtype == pl.Datetime("us")


CASES = [
    (lambda f: f.drop("day"), {}, r"time column\(s\) 'day' not in the data; its columns are"),
    (lambda f: f.drop("sales"), {}, r"target column\(s\) 'sales' not in the data"),
    (lambda f: f.drop("promo"), {}, r"covariate column\(s\) 'promo' not in the data"),
    (lambda f: f.drop("shop"), {}, r"group column\(s\) 'shop' not in the data"),
    (
        lambda f: f.with_columns(pl.col("day").cast(pl.String).str.replace("2016-02-01", "soon")),
        {},
        r"time column 'day': got 'soon'; expected dates or date-times as ISO text",
    ),
    (
        lambda f: f.with_columns(pl.col("sales").cast(pl.String)),
        {},
        r"target column 'sales': got 'String values'; expected numbers",
    ),
    (
        lambda f: f.with_columns(
            pl.when(pl.col("day").is_in([dt.date(2016, 2, 1), dt.date(2016, 2, 9)]))
            .then(None)
            .otherwise(pl.col("sales"))
            .alias("sales")
        ),
        {},
        r"target column 'sales': 2 missing value\(s\) in group shop='big', the first at "
        r"2016-02-01; fill them",
    ),
    (
        lambda f: pl.concat([f, f.filter(pl.col("day") == dt.date(2016, 1, 10))]),
        {},
        r"2 duplicated row\(s\); the first is 2016-01-10 in group shop='big', which appears 2 "
        r"times; keep one row per period",
    ),
    (
        lambda f: f.filter(
            (pl.col("shop") == "big")
            | ~pl.col("day").is_between(dt.date(2016, 3, 2), dt.date(2016, 3, 3))
        ),
        {},
        r"in group shop='small', 2016-03-04 follows 2016-03-01, expected daily steps; fill the "
        r"missing periods",
    ),
    (
        lambda f: f.with_columns(pl.col("day").cast(pl.Datetime)).with_columns(
            pl.when(pl.col("day") == dt.datetime(2016, 2, 1))
            .then(pl.col("day") + dt.timedelta(hours=12))
            .otherwise(pl.col("day"))
        ),
        {},
        r"2016-02-01 12:00 in group shop='big' is off the daily grid of the other periods",
    ),
    (
        lambda f: f.gather_every(3),
        {},
        r"the most common step between periods is 3 days; expected hourly, daily, weekly or "
        r"monthly",
    ),
    (lambda f: f, {"horizon": 0}, r"horizon: got 0; expected 1 to 366 periods ahead"),
    (lambda f: f, {"horizon": 400}, r"horizon: got 400; expected 1 to 366 periods ahead"),
    (
        lambda f: f,
        {"horizon": 150},
        r"horizon: got 150; expected fewer periods than the history; group shop='big' has 120",
    ),
    (
        lambda f: f.filter(pl.col("day") < dt.date(2016, 2, 10)),
        {},
        r"group shop='big' has 37 daily rows; forecasting 7 periods ahead needs at least 42",
    ),
    (lambda f: f, {"country": "XX"}, r"country: got 'XX'; expected a holiday calendar"),
    (
        lambda f: f.with_columns(
            pl.when(pl.col("sales") > 200).then(None).otherwise("shop").alias("shop")
        ),
        {},
        r"group column 'shop': \d+ missing value\(s\); every row must name its series",
    ),
    (
        lambda f: f.with_columns(promo=pl.col("day")),
        {},
        r"covariate column 'promo': got 'Date values'; expected numbers, true/false or text",
    ),
    (lambda f: f, {"covariates": ["sales"]}, r"column\(s\) 'sales' named in two roles"),
]


@pytest.mark.parametrize(("change", "fields", "message"), CASES)
def test_bad_input_is_refused_with_its_fix(
    change: object, fields: dict[str, object], message: str
) -> None:
    frame = change(shops())  # type: ignore[operator]
    with pytest.raises(InputError, match=message):
        check_series(frame, spec(**fields))


def test_missing_times_are_refused() -> None:
    frame = shops().with_columns(
        pl.when(pl.col("sales") > 200).then(None).otherwise("day").alias("day")
    )
    with pytest.raises(InputError, match=r"time column 'day': \d+ missing value\(s\)"):
        check_series(frame, SHOPS)


def test_monthly_dates_mid_month_are_refused() -> None:
    dates = [dt.date(2010 + i // 12, i % 12 + 1, 15) for i in range(40)]
    frame = pl.DataFrame({"month": dates, "y": range(40)})
    with pytest.raises(InputError, match="first or the last day of each month"):
        check_series(frame, SeriesSpec(time="month", target="y", horizon=3))


def test_subdivision_holidays_are_accepted() -> None:
    series = check_series(shops(), spec(country="DE-BY"))
    assert series.spec.country == "DE-BY"
