"""A model's input schema, and checking a frame against it before scoring.

Scoring never guesses silently: a missing column, a value of the wrong type or a column the
model has never seen is an error naming the column (unknown columns may be ignored on request).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    def from_json(cls, data: Mapping[str, Any]) -> InputSchema:
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
        given = frame.schema
        dtypes = tuple(given[c.name] for c in self.columns)
        if any(_needs_series(d, c) for d, c in zip(dtypes, self.columns, strict=True)):
            return frame.select([_cast(frame[c.name], c) for c in self.columns])
        out = frame.lazy().select(self._casts(dtypes)).collect()
        for column in self.columns:
            # a cast that nulls a value means the value did not convert: the slow path names it
            if out[column.name].null_count() > frame[column.name].null_count():
                _cast(frame[column.name], column)
        return out

    def _casts(self, dtypes: tuple[pl.DataType, ...]) -> list[pl.Expr]:
        """One expression per column for input of `dtypes`, built once per distinct input
        types: building expressions costs more than running them on a few rows."""
        memo: dict[tuple[pl.DataType, ...], list[pl.Expr]] = self.__dict__.setdefault("_memo", {})
        found = memo.get(dtypes)
        if found is None:
            found = memo[dtypes] = [
                _cast_expr(pl.col(c.name), dtype, target_dtype(c)).alias(c.name)
                for dtype, c in zip(dtypes, self.columns, strict=True)
            ]
        return found


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


def _needs_series(dtype: pl.DataType, column: InputColumn) -> bool:
    """Dates from text are read by `convert` on the whole column (polars guesses one format)."""
    return dtype == pl.String and target_dtype(column) in (pl.Date, pl.Datetime("us"))


def _cast_expr(expr: pl.Expr, dtype: pl.DataType, target: pl.DataType) -> pl.Expr:
    """`convert` as an expression, for every input but dates written as text."""
    if dtype == target:
        return expr
    if target == pl.Boolean and dtype == pl.String:
        return _bool_expr(expr.str.strip_chars().str.to_lowercase())
    if target == pl.Float64 and dtype == pl.String:
        return expr.str.strip_chars().cast(pl.Float64, strict=False)
    return expr.cast(target, strict=False)


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
    return text.to_frame("v").select(_bool_expr(pl.col("v")).alias("v"))["v"]


def _bool_expr(text: pl.Expr) -> pl.Expr:
    return pl.when(text.is_in(TRUE)).then(True).when(text.is_in(FALSE)).then(False)


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
