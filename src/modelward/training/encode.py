"""The encoder: a feature plan's columns as one float64 matrix, fitted on training rows only.

The search fits one encoder per training fold and transforms that fold's validation rows with
it, so no statistic of a validation row reaches its own score; the final model's encoder is
stored as JSON (never pickle) and transforms new rows at scoring time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

import numpy as np
import polars as pl

from modelward.errors import InputError, IntegrityError
from modelward.spec import Task
from modelward.training.calendar import CalendarCode, fit_calendar
from modelward.training.category_code import OneHotCode, OrdinalCode, fit_category
from modelward.training.features import ColumnKind, FeaturePlan, PlannedColumn
from modelward.training.kinds import Style
from modelward.training.numeric_code import NumericCode, fit_numeric
from modelward.training.target_code import TargetCode, fit_target


class ColumnCode(Protocol):
    """How one planned column becomes output columns: names, polars expressions, JSON.

    A code may also have `encode_value(value) -> tuple[float, ...]`: the same numbers as its
    expressions, for one conformed value. Without it, `Encoder.transform_records` is refused
    (`supports_records` is false) and records are scored through polars.
    """

    @property
    def source(self) -> str: ...

    @property
    def names(self) -> tuple[str, ...]: ...

    def exprs(self) -> list[pl.Expr]: ...  # Float64, one per name, in the same order

    def to_json(self) -> dict[str, Any]: ...


@runtime_checkable
class ValueCode(Protocol):
    """A column code that also encodes one conformed value at a time, without polars."""

    @property
    def source(self) -> str: ...

    def encode_value(self, value: Any) -> tuple[float, ...]: ...


ValueEncoder = tuple[str, Callable[[Any], tuple[float, ...]]]

LOADERS: Mapping[str, Callable[[dict[str, Any]], ColumnCode]] = MappingProxyType(
    {
        NumericCode.TYPE: NumericCode.from_json,
        OrdinalCode.TYPE: OrdinalCode.from_json,
        OneHotCode.TYPE: OneHotCode.from_json,
        TargetCode.TYPE: TargetCode.from_json,
        CalendarCode.TYPE: CalendarCode.from_json,
    }
)


@dataclass(frozen=True)
class Encoder:
    """A fitted encoding of a feature plan for one model style. Immutable and thread-safe.

    TREE: numbers as they are (NaN = missing), categories as integer codes (listed in
    `categorical`, their levels in `category_levels`), high-cardinality text as frequency and
    target mean, dates as calendar numbers. LINEAR: everything filled, standardized, one-hot,
    with `<col>=missing` columns where the training rows had missing values.
    """

    style: Style
    task: Task
    feature_names: tuple[str, ...]
    categorical: tuple[int, ...]  # TREE: output columns holding category codes
    category_levels: dict[str, list[str]]  # TREE: source column -> levels; code i = levels[i]
    codes: tuple[ColumnCode, ...]

    @classmethod
    def fit(
        cls,
        plan: FeaturePlan,
        frame: pl.DataFrame,
        *,
        style: Style,
        task: Task,
        y: np.ndarray | None = None,
        seed: int = 0,
    ) -> tuple[Encoder, np.ndarray]:
        """The encoder and the encoded training rows.

        `y` is the encoded target (class index, or value for regression); without it (or for a
        multiclass task) high-cardinality columns give their frequency only. The training rows'
        target means are cross-fitted, so no row sees its own label.
        """
        target = _target(y, task, frame.height)
        codes: list[ColumnCode] = []
        blocks: dict[int, np.ndarray] = {}
        for column in plan.columns:
            code, block = _fit_code(column, frame[column.name], style, target, seed)
            if block is not None:
                blocks[len(codes)] = block
            codes.append(code)
        encoder = cls.assemble(style, task, codes)
        matrix = encoder.transform(frame)
        starts = np.cumsum([0, *(len(c.names) for c in codes)])
        for i, block in blocks.items():
            matrix[:, starts[i] : starts[i + 1]] = block
        return encoder, matrix

    @classmethod
    def assemble(cls, style: Style, task: Task, codes: list[ColumnCode]) -> Encoder:
        """An encoder from fitted column codes; names, categorical columns and levels derived."""
        names: list[str] = []
        categorical: list[int] = []
        levels: dict[str, list[str]] = {}
        for code in codes:
            if isinstance(code, OrdinalCode):
                categorical.append(len(names))
                levels[code.source] = list(code.levels)
            names.extend(code.names)
        return cls(style, task, _unique(names), tuple(categorical), levels, tuple(codes))

    def transform(self, frame: pl.DataFrame) -> np.ndarray:
        """(rows, features) float64, C-contiguous. Extra columns are ignored, order is free.

        Columns must be present with the types training saw (the caller checks); unseen
        categories and missing values are encoded, never an error.
        """
        exprs = self._exprs
        if not exprs:
            return np.empty((frame.height, 0), dtype=np.float64)
        # lazy: the expressions run in parallel and shared ones (a column's level codes) once
        out = frame.lazy().select(exprs).collect()
        matrix = out.to_numpy(order="c")
        return np.require(matrix, dtype=np.float64, requirements=["C_CONTIGUOUS", "WRITEABLE"])

    @cached_property
    def _exprs(self) -> list[pl.Expr]:
        """The output columns' expressions, built once: building them (an Enum type per
        categorical column) cost more than running them on a few rows."""
        return [e.alias(f"_{i}") for i, e in enumerate(_all_exprs(self.codes))]

    @cached_property
    def value_encoders(self) -> tuple[ValueEncoder, ...] | None:
        """Each code's source and `encode_value`; None when some code has no `encode_value`."""
        codes = [code for code in self.codes if isinstance(code, ValueCode)]
        if len(codes) < len(self.codes):
            return None
        return tuple((code.source, code.encode_value) for code in codes)

    @property
    def supports_records(self) -> bool:
        """Whether every column code can encode one value at a time (`transform_records`)."""
        return self.value_encoders is not None

    def transform_records(self, rows: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """`transform` of conformed rows (as `conform_records` gives them), without polars.

        The same float64 matrix, bit for bit, as `transform` of a frame of the same rows; for a
        handful of rows it is many times faster. ValueError when `supports_records` is false.
        """
        encoders = self.value_encoders
        if encoders is None:
            raise ValueError("a column code of this encoder has no encode_value; use transform")
        flat: list[float] = []
        for row in rows:
            for source, encode in encoders:
                flat.extend(encode(row[source]))
        return np.array(flat, dtype=np.float64).reshape(len(rows), len(self.feature_names))

    def to_json(self) -> dict[str, Any]:
        return {
            "style": self.style.value,
            "task": self.task.value,
            "feature_names": list(self.feature_names),
            "categorical": list(self.categorical),
            "category_levels": {k: list(v) for k, v in self.category_levels.items()},
            "columns": [code.to_json() for code in self.codes],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Encoder:
        """The stored encoder; IntegrityError when its parts disagree with each other."""
        try:
            codes = [LOADERS[c["type"]](c) for c in data["columns"]]
            encoder = cls.assemble(Style(data["style"]), Task(data["task"]), codes)
            stored = (tuple(data["feature_names"]), tuple(data["categorical"]))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise IntegrityError(f"stored encoder is not readable: {exc!r}") from exc
        if stored != (encoder.feature_names, encoder.categorical):
            raise IntegrityError("stored encoder's feature names disagree with its columns")
        return encoder


def _fit_code(
    column: PlannedColumn, values: pl.Series, style: Style, target: np.ndarray | None, seed: int
) -> tuple[ColumnCode, np.ndarray | None]:
    match column.kind:
        case ColumnKind.NUMERIC:
            return fit_numeric(values, style=style, standardize=True), None
        case ColumnKind.BOOLEAN:
            return fit_numeric(values, style=style, standardize=False), None
        case ColumnKind.CATEGORICAL:
            return fit_category(values, style=style), None
        case ColumnKind.HIGH_CARDINALITY:
            return fit_target(values, target, style=style, seed=seed)
        case ColumnKind.DATETIME:
            return fit_calendar(values, style=style), None


def _target(y: np.ndarray | None, task: Task, rows: int) -> np.ndarray | None:
    """The number a target mean averages: 1.0 for the positive class, or the value itself."""
    if y is not None and len(y) != rows:
        raise InputError.field("y", f"{len(y)} values", f"one per training row ({rows})")
    if y is None or task not in (Task.BINARY, Task.REGRESSION):
        return None
    values: np.ndarray = np.asarray(y, dtype=np.float64)
    return (values == 1.0).astype(np.float64) if task is Task.BINARY else values


def _all_exprs(codes: tuple[ColumnCode, ...]) -> list[pl.Expr]:
    return [e for code in codes for e in code.exprs()]


def _unique(names: list[str]) -> tuple[str, ...]:
    """Output names made distinct: a later duplicate gets `#2`, `#3`, ..."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        candidate, n = name, 1
        while candidate in seen:
            n += 1
            candidate = f"{name}#{n}"
        seen.add(candidate)
        out.append(candidate)
    return tuple(out)
