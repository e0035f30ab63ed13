"""One LightGBM regressor over every series, forecasting period by period with intervals.

`ForecastModel.fit` holds out the last part of every series (see `recursive`), boosts until
the held-out one-step error stops improving, calibrates split-conformal intervals on
multi-step forecasts from origins inside the held-out part, then refits on every row with the
chosen number of rounds. Fitting is deterministic given the seed and the number of threads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import lightgbm as lgb
import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training.forecast.features import FeatureSet, fit_features
from modelward.training.forecast.future import Request, Tail, check_future, check_history, tail_of
from modelward.training.forecast.grid import Grid
from modelward.training.forecast.intervals import DEFAULT_LEVEL, Intervals, conformal
from modelward.training.forecast.recursive import (
    Predict,
    Table,
    build_table,
    calibration_origins,
    holdout_sizes,
    recurse,
    scales_of,
)
from modelward.training.forecast.series import Series, SeriesSpec

DESCRIPTION = "modelward.forecast-model/1"
MODEL_FILE = "forecast-model.txt"
HISTORY_FILE = "forecast-history.json"
OUTPUT = ("prediction", "lower", "upper")


@dataclass(frozen=True)
class Settings:
    """Boosting settings; the defaults suit daily demand of one to thousands of series."""

    learning_rate: float = 0.1
    num_leaves: int = 15
    min_data_in_leaf: int = 20
    feature_fraction: float = 0.8
    lambda_l2: float = 1.0
    max_rounds: int = 2000
    patience: int = 50  # rounds without a better held-out error before boosting stops
    holdout_share: float = 0.2  # of each series' rows, for early stopping and calibration
    origins: int = 50  # calibration origins per series

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        return cls(**data)


@dataclass(frozen=True, eq=False)
class ForecastModel:
    """A fitted forecaster and the latest periods of its series. Thread-safe for forecasting.

    `scales` are the series' scales (see `recursive.scales_of`), in `tail.keys` order;
    `rounds` the boosting rounds of the refit; `nonnegative` clips forecasts at 0 when every
    training target was >= 0.
    """

    spec: SeriesSpec
    grid: Grid
    features: FeatureSet
    booster: lgb.Booster = field(repr=False)
    tail: Tail
    scales: np.ndarray
    intervals: Intervals
    rounds: int
    nonnegative: bool
    settings: Settings
    columns: tuple[tuple[str, str], ...]  # the training frame's (name, dtype)
    threads: int = 1

    @classmethod
    def fit(
        cls,
        series: Series,
        *,
        seed: int = 0,
        threads: int = 1,
        level: float = DEFAULT_LEVEL,
        settings: Settings | None = None,
    ) -> ForecastModel:
        """Fit on every series of `series`; intervals at `level` (e.g. 0.8)."""
        if not 0.0 < level < 1.0:
            raise InputError.field("level", level, "an interval level between 0 and 1, e.g. 0.8")
        settings = settings or Settings()
        features = fit_features(series)
        scales = scales_of(series)
        scaled = series.y / scales[series.ids]
        known = features.known(series.frame)
        held = holdout_sizes(series, settings.holdout_share)
        table = build_table(series, features, known, scaled, held)
        params = _params(settings, seed, threads, rows=int((~table.holdout).sum()))
        first = _boost(params, table, features, settings)
        rounds = max(first.best_iteration, 1)
        nonnegative = bool(series.y.min() >= 0)
        origins = calibration_origins(series, known, scaled, held, most=settings.origins)
        predicted = recurse(
            _predictor(first, rounds, threads, nonnegative), features, origins.start, origins.known
        )
        intervals = conformal(np.abs(origins.actual - predicted), level)
        whole = _dataset(table.matrix, table.target, features)
        booster = lgb.train(params, whole, num_boost_round=rounds)
        tail = tail_of(series, features.span)
        return cls(
            series.spec, series.grid, features, booster, tail, scales, intervals, rounds,
            nonnegative, settings, series.columns, threads,
        )  # fmt: skip

    def forecast(self, history: pl.DataFrame | None, future: pl.DataFrame) -> pl.DataFrame:
        """Forecasts for the `future` rows (group values, time, covariates), in their order.

        `history` (time, groups, target), when given, holds newer periods of some series: their
        forecasts start from its end instead of the training data's. Returns the group and time
        columns of `future`, `prediction`, and `lower`/`upper` bounds at `intervals.level`.
        InputError names an unknown series, a missing covariate, a time off the grid or beyond
        the horizon, or a duplicated row.
        """
        spec, tail = self.spec, self.tail
        if history is not None:
            tail = tail.updated(check_history(history, spec, self.grid, tail))
        request = check_future(future, spec, self.grid, tail, self.features.covariates)
        values = self._values(request, tail)
        half = self.intervals.half_widths(request.steps, self.scales[request.series])
        lower, upper = values - half, values + half
        if self.nonnegative:
            lower = np.maximum(lower, 0.0)
        out = future.select(*spec.groups, spec.time)
        return out.with_columns(
            pl.Series(name, column, dtype=pl.Float64)
            for name, column in zip(OUTPUT, (values, lower, upper), strict=True)
        )

    def _values(self, request: Request, tail: Tail) -> np.ndarray:
        if request.steps.size == 0:
            return np.empty(0)
        tracks, track = np.unique(request.series, return_inverse=True)
        known_rows = self.features.known(request.frame)
        known = np.full((tracks.size, int(request.steps.max()), known_rows.shape[1]), np.nan)
        known[track, request.steps - 1] = known_rows
        start = tail.values[tracks] / self.scales[tracks, None]
        predict = _predictor(self.booster, None, self.threads, self.nonnegative)
        scaled = recurse(predict, self.features, start, known)
        values: np.ndarray = scaled[track, request.steps - 1] * self.scales[request.series]
        return values

    def to_files(self) -> tuple[dict[str, Any], dict[str, bytes]]:
        """A JSON-able description, and the files: the LightGBM model text and the tail."""
        description = {
            "format": DESCRIPTION,
            "spec": self.spec.to_json(),
            "grid": self.grid.to_json(),
            "features": self.features.to_json(),
            "scales": [float(s) for s in self.scales],
            "intervals": self.intervals.to_json(),
            "rounds": self.rounds,
            "nonnegative": self.nonnegative,
            "settings": self.settings.to_json(),
            "columns": [list(c) for c in self.columns],
            "files": {"model": MODEL_FILE, "history": HISTORY_FILE},
        }
        files = {
            MODEL_FILE: self.booster.model_to_string().encode(),
            HISTORY_FILE: json.dumps(self.tail.to_json()).encode(),
        }
        return description, files

    @classmethod
    def from_files(
        cls, description: dict[str, Any], files: dict[str, bytes], *, threads: int = 1
    ) -> ForecastModel:
        """The model `to_files` described; ValueError when the description is not one."""
        if description.get("format") != DESCRIPTION:
            raise ValueError(f"not a forecast model: format {description.get('format')!r}")
        names = description["files"]
        booster = lgb.Booster(model_str=files[names["model"]].decode())
        features = FeatureSet.from_json(description["features"])
        if booster.num_feature() != len(features.names):
            raise ValueError("forecast model: its features do not match its description")
        return cls(
            SeriesSpec.from_json(description["spec"]),
            Grid.from_json(description["grid"]),
            features,
            booster,
            Tail.from_json(json.loads(files[names["history"]])),
            np.asarray(description["scales"], dtype=np.float64),
            Intervals.from_json(description["intervals"]),
            int(description["rounds"]),
            bool(description["nonnegative"]),
            Settings.from_json(description["settings"]),
            tuple((str(n), str(d)) for n, d in description["columns"]),
            threads,
        )


def _params(settings: Settings, seed: int, threads: int, *, rows: int) -> dict[str, Any]:
    # Short histories (a few years of months) cannot fill leaves of 20 rows: smaller ones.
    leaf = min(settings.min_data_in_leaf, max(3, rows // 20))
    return {
        "objective": "regression",
        "metric": "l2",
        "learning_rate": settings.learning_rate,
        "num_leaves": settings.num_leaves,
        "min_data_in_leaf": leaf,
        "feature_fraction": settings.feature_fraction,
        "lambda_l2": settings.lambda_l2,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": threads,
        "seed": seed,
        "verbosity": -1,
    }


def _dataset(matrix: np.ndarray, target: np.ndarray, features: FeatureSet) -> lgb.Dataset:
    return lgb.Dataset(
        matrix, target, categorical_feature=features.categorical, params={"verbosity": -1}
    )


def _boost(
    params: dict[str, Any], table: Table, features: FeatureSet, settings: Settings
) -> lgb.Booster:
    """Boosted on the rows before each hold-out, stopped at its best held-out error."""
    train = _dataset(table.matrix[~table.holdout], table.target[~table.holdout], features)
    valid = train.create_valid(table.matrix[table.holdout], label=table.target[table.holdout])
    return lgb.train(
        params,
        train,
        num_boost_round=settings.max_rounds,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(settings.patience, verbose=False)],
    )


def _predictor(booster: lgb.Booster, rounds: int | None, threads: int, floor: bool) -> Predict:
    def predict(matrix: np.ndarray) -> np.ndarray:
        values = np.asarray(booster.predict(matrix, num_iteration=rounds, num_threads=threads))
        return np.maximum(values, 0.0) if floor else values

    return predict
