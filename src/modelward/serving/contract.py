"""The serving contract: the values a model saw in training, held against each request.

Types are the model's input schema's business (`Predictor.predict_records`). This adds what a
type cannot say: a category the training data never had, or a number outside the training
range, is a 422 naming the field under strict validation, because the model's answer there is
an extrapolation nobody evaluated. It comes from the contract of the dataset version the model
was trained on; a model trained on data without a recorded contract gets types only.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import polars as pl

from modelward.datasets.contract import ColumnContract, Contract
from modelward.errors import InputError

MAX_SHOWN = 8  # allowed categories listed in a message


@dataclass(frozen=True)
class Allowed:
    """One column's allowed values: a set of categories, or a closed numeric range."""

    name: str
    categories: frozenset[str] | None
    low: float | None
    high: float | None

    def problem(self, value: object) -> str | None:
        """Why `value` is outside; None when it is inside (or not this check's business)."""
        if value is None:
            return None
        if self.categories is not None:
            text = _text(value)
            if text is not None and text not in self.categories:
                shown = ", ".join(repr(c) for c in sorted(self.categories)[:MAX_SHOWN])
                more = " …" if len(self.categories) > MAX_SHOWN else ""
                return f"one of {shown}{more} (the categories seen in training)"
            return None
        number = as_number(value)
        if number is None or not math.isfinite(number):
            return None
        if self.low is not None and self.high is not None and not self.low <= number <= self.high:
            return f"a number from {_show(self.low)} to {_show(self.high)} (the training range)"
        return None

    def outside(self, values: pl.Series) -> pl.Series:
        """Per row: is the value present and outside the allowed ones."""
        if self.categories is not None:
            text = values.cast(pl.String)
            return text.is_not_null() & ~text.is_in(list(self.categories))
        numbers = values.cast(pl.Float64, strict=False)
        if self.low is None or self.high is None:
            return pl.Series([False] * len(values))
        finite = numbers.is_finite().fill_null(False)
        return (finite & ((numbers < self.low) | (numbers > self.high))).fill_null(False)


@dataclass(frozen=True)
class ServingContract:
    columns: tuple[Allowed, ...]

    @classmethod
    def build(cls, contract: Contract | None, features: Sequence[str]) -> ServingContract:
        """The checks for the model's `features`, from its training data's contract."""
        if contract is None:
            return cls(())
        found = (contract.get(name) for name in features)
        return cls(tuple(a for c in found if c is not None and (a := _allowed(c)) is not None))

    def check(self, records: Sequence[Mapping[str, object]]) -> None:
        """InputError naming the first value outside the contract, with the row index."""
        for i, record in enumerate(records):
            for column in self.columns:
                problem = column.problem(record.get(column.name))
                if problem is not None:
                    raise InputError.field(
                        f"records[{i}].{column.name}", record.get(column.name), problem
                    )

    def check_frame(self, frame: pl.DataFrame) -> None:
        """The same check over a batch frame, vectorized; InputError naming the first row."""
        for column in self.columns:
            if column.name not in frame.columns:
                continue  # the schema check names missing columns
            bad = column.outside(frame[column.name])
            if bad.any():
                i = int(bad.arg_true()[0])
                value = frame[column.name][i]
                raise InputError.field(
                    f"records[{i}].{column.name}", value, column.problem(value) or "allowed"
                )

    def to_json(self) -> dict[str, object]:
        return {
            c.name: {"categories": sorted(c.categories)}
            if c.categories is not None
            else {"minimum": c.low, "maximum": c.high}
            for c in self.columns
        }


def _allowed(column: ColumnContract) -> Allowed | None:
    if column.categories is not None and not column.role.is_numeric:
        return Allowed(column.name, frozenset(column.categories), None, None)
    if column.role.is_numeric and isinstance(column.minimum, int | float):
        high = column.maximum if isinstance(column.maximum, int | float) else None
        return Allowed(
            column.name, None, float(column.minimum), None if high is None else float(high)
        )
    return None


def _text(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def as_number(value: object) -> float | None:
    """A JSON value read as a number (bools 0/1, numeric text), or None."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _show(bound: float) -> str:
    return str(int(bound)) if bound.is_integer() else f"{bound:g}"
