"""A model's input schema, and checking a frame against it before scoring.

Scoring never guesses silently: a missing column, a value of the wrong type or a column the
model has never seen is an error naming the column (unknown columns may be ignored on request).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from modelward.errors import InputError
from modelward.training.features import ColumnKind, FeaturePlan

TRUE = ("true", "1", "yes", "y", "t")
FALSE = ("false", "0", "no", "n", "f")


@dataclass(frozen=True)
class InputColumn:
    name: str
    kind: ColumnKind
    dtype: str  # the training data's polars dtype, for people and clients


@dataclass(frozen=True)
class InputSchema:
    """The columns a model reads (`columns`), and every column its training data had (`known`)."""

    columns: tuple[InputColumn, ...]
    known: tuple[str, ...]
    target: str

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [
                {"name": c.name, "kind": c.kind.value, "dtype": c.dtype} for c in self.columns
            ],
            "known": list(self.known),
            "target": self.target,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InputSchema:
        columns = tuple(
            InputColumn(str(c["name"]), ColumnKind(c["kind"]), str(c["dtype"]))
            for c in data["columns"]
        )
        return cls(columns, tuple(data["known"]), str(data["target"]))

    def conform(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> pl.DataFrame:
        """The model's columns of `frame`, each cast to what training saw; InputError otherwise."""
        _check_missing(self, frame.columns)
        if not ignore_extra:
            _check_unknown(self, frame.columns)
        return frame.select([_cast(frame[c.name], c) for c in self.columns])


def build_schema(frame: pl.DataFrame, plan: FeaturePlan, target: str) -> InputSchema:
    columns = tuple(InputColumn(p.name, p.kind, str(frame[p.name].dtype)) for p in plan.columns)
    return InputSchema(columns, tuple(frame.columns), target)


def _check_missing(schema: InputSchema, present: Sequence[str]) -> None:
    missing = [c.name for c in schema.columns if c.name not in present]
    if missing:
        raise InputError(
            f"input: missing required column(s) {_names(missing)}; "
            "add them (the model was trained with them)"
        )


def _check_unknown(schema: InputSchema, present: Sequence[str]) -> None:
    unknown = [name for name in present if name not in schema.known]
    if unknown:
        raise InputError(
            f"input: unknown column(s) {_names(unknown)}; "
            "remove them, or pass --ignore-extra to ignore them"
        )


def _cast(values: pl.Series, column: InputColumn) -> pl.Series:
    target = target_dtype(column)
    if values.dtype == target:
        return values
    cast = convert(values, target)
    bad = values.is_not_null() & cast.is_null()
    if bad.any():
        example = values.filter(bad)[0]
        raise InputError.field(
            f"input column {column.name!r}", example, f"{_expected(column)} (as in training)"
        )
    return cast.alias(column.name)


def convert(values: pl.Series, target: pl.DataType) -> pl.Series:
    """`values` cast to `target` as scoring reads input; null where a value does not convert."""
    if target == pl.Boolean and values.dtype == pl.String:
        return _bool_from_text(values.str.strip_chars().str.to_lowercase())
    if target in (pl.Date, pl.Datetime("us")) and values.dtype == pl.String:
        return _dates_from_text(values, target)
    if target == pl.Float64 and values.dtype == pl.String:
        return values.str.strip_chars().cast(pl.Float64, strict=False)
    return values.cast(target, strict=False)


def _dates_from_text(values: pl.Series, target: pl.DataType) -> pl.Series:
    try:
        return values.str.to_datetime(strict=False).cast(target, strict=False)
    except pl.exceptions.ComputeError:
        # polars infers one format from the first value it can read; when it reads none it
        # raises instead of giving nulls: then no value is a date, and the caller names one.
        return pl.Series(values.name, [None] * len(values), dtype=target)


def _bool_from_text(text: pl.Series) -> pl.Series:
    frame = text.to_frame("v").select(
        pl.when(pl.col("v").is_in(TRUE))
        .then(True)
        .when(pl.col("v").is_in(FALSE))
        .then(False)
        .otherwise(None)
        .alias("v")
    )
    return frame["v"]


def target_dtype(column: InputColumn) -> pl.DataType:
    """The polars type a column is scored as: Float64, Boolean, String, Date or Datetime."""
    match column.kind:
        case ColumnKind.NUMERIC:
            return pl.Float64()
        case ColumnKind.BOOLEAN:
            return pl.Boolean()
        case ColumnKind.DATETIME:
            return pl.Date() if column.dtype == "Date" else pl.Datetime("us")
        case _:
            return pl.String()


def _expected(column: InputColumn) -> str:
    return {
        ColumnKind.NUMERIC: "numbers",
        ColumnKind.BOOLEAN: "true/false values",
        ColumnKind.DATETIME: "dates",
    }.get(column.kind, "text")


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")
