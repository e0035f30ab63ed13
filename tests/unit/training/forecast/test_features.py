"""Features read only the past for history and only the period itself for what is known."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from modelward.training.forecast.features import FeatureSet, fit_features
from modelward.training.forecast.grid import Frequency
from modelward.training.forecast.recursive import build_table, holdout_sizes
from modelward.training.forecast.series import SeriesSpec, check_series
from tests.unit.training.forecast.data import SHOPS, shops


def test_a_period_s_features_ignore_it_and_everything_after() -> None:
    series = check_series(shops(), SHOPS)
    features = fit_features(series)
    known = features.known(series.frame)
    held = holdout_sizes(series, 0.2)
    before = build_table(series, features, known, series.y, held)
    changed = series.y.copy()
    cut = 60  # the big shop's 61st day, and every day after it in both shops
    changed[cut:] *= 10.0
    after = build_table(series, features, known, changed, held)
    rows = cut - features.span + 1  # training rows of days up to and including day `cut`
    assert np.array_equal(before.matrix[:rows], after.matrix[:rows])
    assert not np.array_equal(before.matrix[rows], after.matrix[rows])  # day cut + 1 reads day cut
    assert before.target[rows - 1] != after.target[rows - 1]


def test_daily_holidays_around_independence_day() -> None:
    features = FeatureSet(Frequency.DAILY, "t", (), (), "US")
    days = [dt.datetime(2016, 7, d) for d in (1, 3, 4, 5, 6)]
    known = features.known(pl.DataFrame({"t": days}))
    names = list(features.known_names)
    column = {n: known[:, names.index(n)].tolist() for n in names}
    assert column["holiday"] == [0, 0, 1, 0, 0]
    assert column["holiday_tomorrow"] == [0, 1, 0, 0, 0]
    assert column["holiday_yesterday"] == [0, 0, 0, 1, 0]
    assert column["days_to_holiday"] == [3, 1, 0, 30, 30]  # Labor Day is 61 days on: clipped
    assert column["days_since_holiday"][2:] == [0, 1, 2]
    assert column["dayofweek"] == [4, 6, 0, 1, 2]
    assert column["month_start"] == [1, 0, 0, 0, 0]


def test_monthly_holidays_are_counted_per_month() -> None:
    features = FeatureSet(Frequency.MONTHLY, "t", (), (), "US")
    months = [dt.datetime(2016, 7, 31), dt.datetime(2016, 11, 30), dt.datetime(2016, 8, 31)]
    known = features.known(pl.DataFrame({"t": months}))
    assert known[:, list(features.known_names).index("holidays")].tolist() == [1, 2, 0]


def test_codes_for_text_and_groups_are_learned_at_fit() -> None:
    series = check_series(shops(), SHOPS)
    features = fit_features(series)
    assert features.groups == (("shop", ("big", "small")),)
    assert [(c.name, c.kind, c.levels) for c in features.covariates] == [
        ("promo", "flag", ()),
        ("channel", "text", ("store", "web")),
    ]
    rows = pl.DataFrame(
        {"day": [dt.datetime(2016, 6, 1)] * 2, "shop": ["small", "big"], "promo": [True, False]}
    ).with_columns(channel=pl.Series(["web", "phone"]))
    known = features.known(rows)
    names = list(features.names)
    assert features.categorical == [names.index("channel"), names.index("shop")]
    channel = known[:, list(features.known_names).index("channel")]
    assert channel[0] == 1
    assert np.isnan(channel[1])
    assert known[:, list(features.known_names).index("promo")].tolist() == [1.0, 0.0]
    assert FeatureSet.from_json(features.to_json()) == features


def test_weekly_features_without_holidays() -> None:
    start = dt.date(2014, 1, 5)
    frame = pl.DataFrame(
        {"t": [start + dt.timedelta(weeks=i) for i in range(120)], "y": np.arange(120.0)}
    )
    series = check_series(frame, SeriesSpec(time="t", target="y", horizon=8))
    features = fit_features(series)
    assert features.span == 52
    assert features.known_names == ("week", "month", "year")
    assert features.history(np.ones((3, 52))).shape == (3, len(features.history_names))
