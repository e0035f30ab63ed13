"""The schema contract of a dataset version: per column its type, role, nullability and range.

A contract is inferred from one version and checked against another (new data for training,
scoring or monitoring). It is stored as JSON, and becomes a pandera schema to validate a frame.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

import polars as pl

from modelward.datasets.dtypes import dtype_name
from modelward.errors import InputError

MAX_CATEGORIES = 50
CATEGORICAL_SHARE = 0.05
# Below this many rows, "unique and sorted" is too common to mean "an identifier".
_MIN_ROWS_FOR_ORDERED_ID = 20
_ID_NAME = re.compile(r"^(id|rownames|.+_id)$", re.IGNORECASE)


class Role(StrEnum):
    """What a column is for; it decides the checks, the drift test and how models use it."""

    NUMERIC = "numeric"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CATEGORICAL = "categorical"
    TEXT = "text"
    DATETIME = "datetime"
    DATE = "date"
    IDENTIFIER = "identifier"

    @property
    def is_numeric(self) -> bool:
        return self in (Role.NUMERIC, Role.INTEGER)

    @property
    def is_temporal(self) -> bool:
        return self in (Role.DATE, Role.DATETIME)

    @property
    def is_discrete(self) -> bool:
        """Compared by the share of each value rather than by a distribution over numbers."""
        return self in (Role.CATEGORICAL, Role.BOOLEAN)


@dataclass(frozen=True)
class ColumnContract:
    """One column: `minimum`/`maximum` are floats for numbers, ISO strings for dates and times."""

    name: str
    dtype: str
    role: Role
    nullable: bool
    minimum: float | str | None = None
    maximum: float | str | None = None
    categories: tuple[str, ...] | None = None
    n_unique: int = 0
    null_count: int = 0

    @property
    def range_text(self) -> str:
        """The allowed range for messages: "0 to 72" (integers are stored as floats in JSON)."""

        def show(bound: float | str | None) -> str:
            whole = self.role is Role.INTEGER and isinstance(bound, float) and bound.is_integer()
            return str(int(bound)) if whole and isinstance(bound, float) else str(bound)

        return f"{show(self.minimum)} to {show(self.maximum)}"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["role"] = self.role.value
        data["categories"] = None if self.categories is None else list(self.categories)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ColumnContract:
        categories = data.get("categories")
        return cls(
            name=str(data["name"]),
            dtype=str(data["dtype"]),
            role=Role(data["role"]),
            nullable=bool(data["nullable"]),
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            categories=None if categories is None else tuple(str(c) for c in categories),
            n_unique=int(data.get("n_unique", 0)),
            null_count=int(data.get("null_count", 0)),
        )


@dataclass(frozen=True)
class Contract:
    """The columns of a dataset version, in order, and its row count."""

    columns: tuple[ColumnContract, ...]
    n_rows: int

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    def get(self, name: str) -> ColumnContract | None:
        return next((column for column in self.columns if column.name == name), None)

    def to_json(self) -> dict[str, Any]:
        return {"n_rows": self.n_rows, "columns": [column.to_json() for column in self.columns]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Contract:
        try:
            columns = tuple(ColumnContract.from_json(column) for column in data["columns"])
            return cls(columns=columns, n_rows=int(data["n_rows"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError.field(
                "contract", data, "an object with n_rows and columns [{name, dtype, role, ...}]"
            ) from exc


def infer_contract(df: pl.DataFrame) -> Contract:
    """The contract `df` satisfies, from one pass of aggregate expressions over its columns."""
    schema = list(df.schema.items())
    exprs = itertools.chain.from_iterable(_stats(i, dtype) for i, (_, dtype) in enumerate(schema))
    stats = df.select(exprs).row(0, named=True) if schema else {}
    roles = [_role(name, dtype, i, stats, df.height) for i, (name, dtype) in enumerate(schema)]
    listed = [
        name
        for i, ((name, _), role) in enumerate(zip(schema, roles, strict=True))
        if role is Role.CATEGORICAL and stats[f"{i}.unique"] <= MAX_CATEGORIES
    ]
    categories = _categories(df, listed)
    columns = tuple(
        _column(name, dtype, role, stats, i, categories.get(name))
        for i, ((name, dtype), role) in enumerate(zip(schema, roles, strict=True))
    )
    return Contract(columns=columns, n_rows=df.height)


def _stats(i: int, dtype: pl.DataType) -> list[pl.Expr]:
    col = pl.nth(i)
    exprs = [
        col.null_count().alias(f"{i}.nulls"),
        col.drop_nulls().n_unique().alias(f"{i}.unique"),
    ]
    if dtype.is_numeric() or dtype.is_temporal():
        exprs += [col.min().alias(f"{i}.min"), col.max().alias(f"{i}.max")]
    if dtype.is_integer():
        step = col.cast(pl.Int64).diff()
        exprs += [(step > 0).all().alias(f"{i}.up"), (step < 0).all().alias(f"{i}.down")]
    return exprs


def _role(name: str, dtype: pl.DataType, i: int, stats: Mapping[str, Any], n_rows: int) -> Role:
    if dtype == pl.Boolean:
        return Role.BOOLEAN
    if dtype.is_integer():
        return Role.IDENTIFIER if _is_identifier(name, i, stats, n_rows) else Role.INTEGER
    if dtype.is_numeric():
        return Role.NUMERIC
    if dtype == pl.Date:
        return Role.DATE
    if isinstance(dtype, pl.Datetime):
        return Role.DATETIME
    if isinstance(dtype, pl.Categorical | pl.Enum):
        return Role.CATEGORICAL
    if dtype == pl.String:
        present = n_rows - stats[f"{i}.nulls"]
        distinct = stats[f"{i}.unique"]
        if distinct <= MAX_CATEGORIES or distinct <= CATEGORICAL_SHARE * present:
            return Role.CATEGORICAL
        if _ID_NAME.match(name) and distinct == present:
            return Role.IDENTIFIER
    return Role.TEXT


def _is_identifier(name: str, i: int, stats: Mapping[str, Any], n_rows: int) -> bool:
    """Unique integers that are named like an id, or sorted, or a shuffled 1..n."""
    if stats[f"{i}.nulls"] or stats[f"{i}.unique"] != n_rows or n_rows == 0:
        return False
    if _ID_NAME.match(name):
        return True
    if n_rows < _MIN_ROWS_FOR_ORDERED_ID:
        return False
    consecutive = stats[f"{i}.max"] - stats[f"{i}.min"] + 1 == n_rows
    return bool(stats[f"{i}.up"] or stats[f"{i}.down"] or consecutive)


def _categories(df: pl.DataFrame, names: list[str]) -> dict[str, tuple[str, ...]]:
    if not names:
        return {}
    values = df.select(
        pl.col(name).drop_nulls().unique().cast(pl.String).sort().implode() for name in names
    ).row(0, named=True)
    return {name: tuple(values[name]) for name in names}


def _column(
    name: str,
    dtype: pl.DataType,
    role: Role,
    stats: Mapping[str, Any],
    i: int,
    categories: tuple[str, ...] | None,
) -> ColumnContract:
    ranged = role.is_numeric or role.is_temporal
    return ColumnContract(
        name=name,
        dtype=dtype_name(dtype),
        role=role,
        nullable=stats[f"{i}.nulls"] > 0,
        minimum=_bound(stats.get(f"{i}.min")) if ranged else None,
        maximum=_bound(stats.get(f"{i}.max")) if ranged else None,
        categories=categories,
        n_unique=stats[f"{i}.unique"],
        null_count=stats[f"{i}.nulls"],
    )


def _bound(value: object) -> float | str | None:
    """A JSON-safe bound: a finite float, an ISO string, or None (no bound)."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        number = float(value)
        return number if math.isfinite(number) else None
    return None
