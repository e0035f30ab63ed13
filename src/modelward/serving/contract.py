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

from modelward.datasets import ColumnContract, Contract, Role
from modelward.errors import InputError

MAX_SHOWN = 8  # allowed categories listed in a message
MISSING = object()  # a field the record does not have (unlike a null value)
# A type, not a value outside training: refused under `flag` validation too.
NOT_TRUE_FALSE = "a number, not true/false (the column held numbers in training)"


@dataclass(frozen=True)
class Allowed:
    """One column's allowed values: a set of categories or a numeric range (or neither), and
    whether training saw it missing, held numbers only, held whole numbers only."""

    name: str
    categories: frozenset[str] | None
    low: float | None
    high: float | None
    nullable: bool = True
    numeric: bool = False
    whole: bool = False

    def problem(self, value: object) -> str | None:
        """Why `value` is outside; None when it is inside (or not this check's business)."""
        kind = type(value)  # exact types first: this runs for every field of every request
        if kind is str and self.categories is not None:
            return None if value in self.categories else self._category_problem(value)
        if (kind is float or kind is int) and self.numeric:
            return self._number_problem(float(value))  # type: ignore[arg-type]
        if value is None:
            return None if self.nullable else "a value (training data had none missing here)"
        if self.categories is not None:
            return self._category_problem(value)
        if not self.numeric:
            return None
        if isinstance(value, bool):
            return NOT_TRUE_FALSE
        number = as_number(value)
        return None if number is None else self._number_problem(number)

    def _number_problem(self, number: float) -> str | None:
        if not math.isfinite(number):
            return None  # the type check names it
        if self.whole and not number.is_integer():
            return "a whole number (the column held whole numbers in training)"
        if self.low is not None and self.high is not None and not self.low <= number <= self.high:
            return f"a number from {_show(self.low)} to {_show(self.high)} (the training range)"
        return None

    def _category_problem(self, value: object) -> str | None:
        text = _text(value)
        if text is not None and text not in (self.categories or ()):
            categories = sorted(self.categories or ())
            shown = ", ".join(repr(c) for c in categories[:MAX_SHOWN])
            more = " …" if len(categories) > MAX_SHOWN else ""
            return f"one of {shown}{more} (the categories seen in training)"
        return None

    def outside(self, values: pl.Series) -> pl.Series:
        """Per row: is the value outside the allowed ones (missing counts where training had
        none)."""
        missing = values.is_null() if not self.nullable else pl.Series([False] * len(values))
        if self.categories is not None:
            text = values.cast(pl.String)
            return missing | (text.is_not_null() & ~text.is_in(list(self.categories)))
        if not self.numeric:
            return missing
        if values.dtype == pl.Boolean:
            return missing | values.is_not_null()
        numbers = values.cast(pl.Float64, strict=False)
        finite = numbers.is_finite().fill_null(False)
        bad = pl.Series([False] * len(values))
        if self.whole:
            bad = bad | (finite & (numbers != numbers.floor())).fill_null(False)
        if self.low is not None and self.high is not None:
            bad = bad | (finite & ((numbers < self.low) | (numbers > self.high))).fill_null(False)
        return missing | bad


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
        for i, found in self.flags(records).items():
            raise refusal(i, found[0])

    def flags(
        self, records: Sequence[Mapping[str, object]], *, refuse_types: bool = True
    ) -> dict[int, list[Flag]]:
        """Per row index, the values outside the contract (rows with none are absent);
        InputError for a value of the wrong type (true/false where training had numbers),
        unless `refuse_types` is off (then it is listed like the others)."""
        found: dict[int, list[Flag]] = {}
        for i, record in enumerate(records):
            if not isinstance(record, Mapping):
                continue  # the schema check names a record that is not an object
            for column in self.columns:
                value = record.get(column.name, MISSING)
                if value is MISSING:
                    continue
                problem = column.problem(value)
                if problem is NOT_TRUE_FALSE and refuse_types:
                    raise InputError.field(f"records[{i}].{column.name}", value, problem)
                if problem is not None:
                    found.setdefault(i, []).append(_flag(column.name, value, problem))
        return found

    def flags_frame(
        self, frame: pl.DataFrame, *, refuse_types: bool = True
    ) -> dict[int, list[Flag]]:
        """`flags` of a batch frame, vectorized per column."""
        found: dict[int, list[Flag]] = {}
        for column in self.columns:
            if column.name not in frame.columns:
                continue
            values = frame[column.name]
            for i in column.outside(values).arg_true().to_list():
                value = values[i]
                problem = column.problem(value) or "a value seen in training"
                if problem is NOT_TRUE_FALSE and refuse_types:
                    raise InputError.field(f"records[{i}].{column.name}", value, problem)
                found.setdefault(i, []).append(_flag(column.name, value, problem))
        return dict(sorted(found.items()))

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
        return {c.name: _allowed_json(c) for c in self.columns}


Flag = dict[str, object]  # {"field", "value", "expected"}: one value outside the contract


def refusal(row: int, flag: Flag) -> InputError:
    """The 422 of the value `flag` names, in row `row` of a request."""
    return InputError.field(f"records[{row}].{flag['field']}", flag["value"], str(flag["expected"]))


def _flag(name: str, value: object, problem: str) -> Flag:
    """The flag of one value, JSON-ready (a Parquet body's decimal or date reads as text)."""
    plain = value if value is None or isinstance(value, bool | int | float | str) else str(value)
    return {"field": name, "value": plain, "expected": problem}


def _allowed(column: ColumnContract) -> Allowed | None:
    numeric = column.role.is_numeric
    whole = column.role is Role.INTEGER
    if column.categories is not None and not numeric:
        categories = frozenset(column.categories)
        return Allowed(column.name, categories, None, None, column.nullable)
    if numeric:
        low = float(column.minimum) if isinstance(column.minimum, int | float) else None
        high = float(column.maximum) if isinstance(column.maximum, int | float) else None
        return Allowed(column.name, None, low, high, column.nullable, numeric=True, whole=whole)
    if not column.nullable:
        return Allowed(column.name, None, None, None, nullable=False)
    return None


def _allowed_json(column: Allowed) -> dict[str, object]:
    found: dict[str, object] = {"missing_allowed": column.nullable}
    if column.categories is not None:
        found["categories"] = sorted(column.categories)
    if column.low is not None:
        found.update(minimum=column.low, maximum=column.high, whole=column.whole)
    return found


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
