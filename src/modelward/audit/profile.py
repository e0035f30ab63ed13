"""Column profiles: the cheap whole-column statistics most checks start from, in one pass."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import polars as pl

from modelward.audit import wording


class Kind(enum.Enum):
    """What a column holds, as the checks see it."""

    INTEGER = "integer"
    FLOAT = "float"
    BOOLEAN = "boolean"
    STRING = "string"
    TEMPORAL = "temporal"
    OTHER = "other"

    @property
    def numeric(self) -> bool:
        return self in (Kind.INTEGER, Kind.FLOAT)

    @classmethod
    def of(cls, dtype: pl.DataType) -> Kind:
        if dtype == pl.Boolean:
            return cls.BOOLEAN
        if dtype.is_integer():
            return cls.INTEGER
        if dtype.is_float() or dtype.is_decimal():
            return cls.FLOAT
        if dtype in (pl.String, pl.Categorical) or isinstance(dtype, pl.Enum):
            return cls.STRING
        if dtype.is_temporal():
            return cls.TEMPORAL
        return cls.OTHER


@dataclass(frozen=True)
class ColumnProfile:
    """Whole-column statistics of one column.

    ``n_distinct`` counts non-null values (estimated for free text); ``lo``/``hi`` are set for
    numbers, ``mean_length``/``space_share`` (from the sample) for text.
    """

    name: str
    dtype: str
    kind: Kind
    n_rows: int
    n_null: int
    n_distinct: int
    n_nan: int = 0
    lo: float | None = None
    hi: float | None = None
    mean_length: float | None = None
    space_share: float | None = None

    @property
    def n_present(self) -> int:
        return self.n_rows - self.n_null

    @property
    def n_missing(self) -> int:
        """Missing values: nulls, and NaN in float columns."""
        return self.n_null + self.n_nan

    @property
    def free_text(self) -> bool:
        return self.kind is Kind.STRING and _free_text(self.mean_length, self.space_share)


def profile_frame(frame: pl.DataFrame, sample: pl.DataFrame) -> dict[str, ColumnProfile]:
    """Profiles of every column: counts over the whole frame in one parallel ``select``.

    Text shape (length, spaces) comes from ``sample``; it only tells codes from free text, whose
    distinct values are then estimated (HyperLogLog): exact counts of a million sentences cost
    more than the rest of the profile together, and no check needs them.
    """
    kinds = {name: Kind.of(dtype) for name, dtype in frame.schema.items()}
    shapes = _text_shapes(sample, [n for n, k in kinds.items() if k is Kind.STRING])
    exprs: list[pl.Expr] = []
    for i, (name, kind) in enumerate(kinds.items()):
        col = pl.col(name)
        distinct = (
            col.drop_nulls().approx_n_unique()
            if _free_text(*shapes.get(name, (None, None)))
            else col.drop_nulls().n_unique()
        )
        exprs += [col.null_count().alias(f"{i}n"), distinct.alias(f"{i}d")]
        if kind is Kind.FLOAT:
            exprs.append(col.cast(pl.Float64).is_nan().sum().alias(f"{i}nan"))
        if kind.numeric:
            exprs += [
                col.min().cast(pl.Float64).alias(f"{i}lo"),
                col.max().cast(pl.Float64).alias(f"{i}hi"),
            ]
    row = frame.select(exprs).row(0, named=True) if exprs else {}
    return {
        name: ColumnProfile(
            name=name,
            dtype=str(frame.schema[name]),
            kind=kind,
            n_rows=frame.height,
            n_null=int(row[f"{i}n"]),
            n_nan=int(row.get(f"{i}nan") or 0),
            n_distinct=int(row[f"{i}d"]),
            lo=row.get(f"{i}lo"),
            hi=row.get(f"{i}hi"),
            mean_length=shapes.get(name, (None, None))[0],
            space_share=shapes.get(name, (None, None))[1],
        )
        for i, (name, kind) in enumerate(kinds.items())
    }


def _text_shapes(
    sample: pl.DataFrame, names: list[str]
) -> dict[str, tuple[float | None, float | None]]:
    if not names:
        return {}
    exprs = []
    for name in names:
        text = pl.col(name).cast(pl.String)
        exprs += [
            text.str.len_chars().mean().alias(f"{name}\x00len"),
            text.str.contains(" ", literal=True).mean().alias(f"{name}\x00sp"),
        ]
    row = sample.select(exprs).row(0, named=True)
    return {n: (row[f"{n}\x00len"], row[f"{n}\x00sp"]) for n in names}


def _free_text(mean_length: float | None, space_share: float | None) -> bool:
    """Sentences rather than codes: long values, or several words in most values."""
    if mean_length is None:
        return False
    return mean_length > 30 or ((space_share or 0.0) > 0.5 and mean_length > 15)


_ID_NAME = re.compile(
    r"^(id|index|rownames|row_?names?|row_?id|uuid|guid|unnamed:? ?\d*|.*[_ -]id)$"
)
_ID_CAMEL = re.compile(r".*[a-z0-9](Id|ID)$")


def named_like_id(name: str) -> bool:
    return bool(_ID_NAME.match(name.strip().lower()) or _ID_CAMEL.match(name.strip()))


# In a smaller table a column of distinct values is too common to suggest an identifier.
MIN_ID_ROWS = 20


def id_reason(profile: ColumnProfile, column: pl.Series) -> str | None:
    """Why a column looks like a row identifier, or ``None``; ``column`` is read only if needed."""
    p = profile
    unique = p.n_null == 0 and p.n_distinct == p.n_rows and p.n_rows >= MIN_ID_ROWS
    if p.kind is Kind.INTEGER and unique and p.lo is not None and p.hi is not None:
        if p.hi - p.lo + 1 == p.n_rows:
            return f"unique consecutive integers {wording.number(p.lo)}..{wording.number(p.hi)}"
        if column.is_sorted() or column.is_sorted(descending=True):
            return "unique integers in row order"
    if p.kind is Kind.STRING and unique and not p.free_text:
        return "a different text value in every row"
    if named_like_id(p.name):
        return "its name says it is an identifier"
    return None
