"""A registered forecast model as a `Scorer`: future rows in, forecasts with intervals out.

Each input row is one series' period to forecast: its group values, its time and its
covariates. Rows are checked against the input schema like any model's, then forecast from the
latest periods the model was fitted on (see `ForecastModel.forecast`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.registry import Bundle
from modelward.spec import Task
from modelward.training.features import ColumnKind
from modelward.training.forecast.model import OUTPUT, ForecastModel
from modelward.training.forecast.series import SeriesSpec
from modelward.training.predictor import DecisionRule, RecordPrediction
from modelward.training.records import Record, RecordReader
from modelward.training.schema import InputColumn, InputSchema, target_dtype
from modelward.training.target import Target

FORMAT = "modelward.forecast/1"
KINDS = {"number": ColumnKind.NUMERIC, "flag": ColumnKind.BOOLEAN, "text": ColumnKind.CATEGORICAL}


def forecast_manifest(
    model: ForecastModel, spec: SeriesSpec, *, metric: str, score: float
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The bundle manifest of a fitted forecast model (`score`: its backtest `metric`), and
    its files."""
    description, files = model.to_files()
    manifest = {
        "format": FORMAT,
        "target": Target(spec.target, Task.FORECAST).to_json(),
        "input_schema": forecast_schema(model, spec).to_json(),
        "output_schema": {"columns": [{"name": name, "dtype": "Float64"} for name in OUTPUT]},
        "metric": metric,
        "cv_score": score,
        "forecast": description,
    }
    return manifest, files


def forecast_schema(model: ForecastModel, spec: SeriesSpec) -> InputSchema:
    """The future rows' columns: time, groups, then covariates, typed as in training."""
    dtypes = dict(model.columns)
    columns = [InputColumn(spec.time, ColumnKind.DATETIME, dtypes.get(spec.time, "Date"))]
    columns += [
        InputColumn(g, ColumnKind.CATEGORICAL, dtypes.get(g, "String")) for g in spec.groups
    ]
    columns += [
        InputColumn(c.name, KINDS[c.kind], dtypes.get(c.name, "Float64"))
        for c in model.features.covariates
    ]
    known = tuple(dtypes) or (*(c.name for c in columns), spec.target)
    return InputSchema(tuple(columns), known, spec.target)


@dataclass(frozen=True, eq=False)
class ForecastPredictor:
    """A loaded forecast model version. Thread-safe for prediction; holds no open files."""

    target: Target
    schema: InputSchema
    model: ForecastModel

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> ForecastPredictor:
        manifest = bundle.manifest
        if manifest.get("format") != FORMAT:
            raise ValueError(f"not a forecast bundle: format {manifest.get('format')!r}")
        return cls(
            Target.from_json(manifest["target"]),
            InputSchema.from_json(manifest["input_schema"]),
            ForecastModel.from_files(manifest["forecast"], bundle.files),
        )

    @property
    def decision(self) -> DecisionRule | None:
        return None

    @property
    def runtimes(self) -> list[str]:
        return ["lightgbm"]

    def predict_array(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> np.ndarray:
        """The forecasts (n,), in row order."""
        return self.predict(frame, ignore_extra=ignore_extra)["prediction"].to_numpy()

    def predict(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> pl.DataFrame:
        """`prediction`, `lower` and `upper` per row, in row order.

        A row that carries the target's value is history: one of the newest periods of its
        series, which the other rows' forecasts start from (its own forecast is empty). So a
        deployed model keeps forecasting as time passes, given the latest actuals.
        """
        asked = self._asked(frame)
        history = None if asked.all() else self._history(frame.filter(~asked))
        conformed = self.schema.conform(frame.filter(asked), ignore_extra=ignore_extra)
        forecast = self.model.forecast(history, conformed).select(OUTPUT)
        return _spread(forecast, asked)

    def predict_records(
        self,
        records: Sequence[Record],
        *,
        ignore_extra: bool = False,
    ) -> RecordPrediction:
        """`predict` of JSON records; InputError names `records[i].field` where one is wrong."""
        _check_fields(records, self.schema.columns)
        rows = self.reader.read(records, ignore_extra=ignore_extra)
        columns = [
            pl.Series(c.name, [row[c.name] for row in rows], dtype=target_dtype(c))
            for c in self.schema.columns
        ]
        actuals = _actuals(records, self.target.column)
        frame = pl.DataFrame([*columns, *([] if actuals is None else [actuals])])
        forecast = self.predict(frame)
        raw = forecast["prediction"].to_numpy()
        raw.flags.writeable = False
        bounds = forecast.select("lower", "upper").to_numpy()
        # A history row's forecast is NaN here (JSON null): it asked for none.
        return RecordPrediction(raw, tuple(raw.tolist()), "polars", bounds)

    def _asked(self, frame: pl.DataFrame) -> np.ndarray:
        """Which rows are to be forecast: those without a value of the target."""
        column = self.target.column
        if column not in frame.columns:
            return np.ones(frame.height, dtype=bool)
        values = frame[column]
        known = values.is_not_null()
        if values.dtype.is_float():
            known = known & values.is_not_nan()
        return ~known.to_numpy()

    def _history(self, rows: pl.DataFrame) -> pl.DataFrame:
        spec = self.model.spec
        return rows.select(spec.time, *spec.groups, spec.target)

    @cached_property
    def reader(self) -> RecordReader:
        """The schema's record reader, prepared once."""
        return RecordReader.of(self.schema)


def _spread(forecast: pl.DataFrame, asked: np.ndarray) -> pl.DataFrame:
    """The forecasts of the asked rows at their places; history rows get none."""
    if asked.all():
        return forecast
    columns = []
    for name in OUTPUT:
        values = np.full(asked.size, np.nan)
        values[asked] = forecast[name].to_numpy()
        columns.append(pl.Series(name, values, dtype=pl.Float64).fill_nan(None))
    return pl.DataFrame(columns)


def _actuals(records: Sequence[Record], target: str) -> pl.Series | None:
    """The target's values the records carry (history rows), None when no record has one."""
    if not any(target in record for record in records):
        return None
    values: list[float | None] = []
    for i, record in enumerate(records):
        value = record.get(target)
        if value is None:
            values.append(None)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            values.append(float(value))
        else:
            raise InputError.field(f"records[{i}].{target}", value, "a number (an actual) or null")
    return pl.Series(target, values, dtype=pl.Float64)


def _check_fields(records: Sequence[Record], columns: Sequence[InputColumn]) -> None:
    if not isinstance(records, Sequence) or isinstance(records, str | bytes):
        raise InputError.field("records", records, "a list of objects")
    for i, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise InputError.field(f"records[{i}]", record, "an object of field values")
        missing = next((c.name for c in columns if c.name not in record), None)
        if missing is not None:
            raise InputError(
                f"records[{i}].{missing}: missing; every record needs its series, its time "
                "and each covariate the model forecasts with"
            )
