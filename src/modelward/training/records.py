"""JSON values read the way the polars cast of a frame reads them, one value at a time.

The HTTP server scores a handful of records per request; building a polars frame for them costs
far more than the model. These converters give, for each JSON value (None, bool, int, float,
str), the value that `InputSchema.conform` gives for that value in a polars column, so the
record path and the frame path score a row the same way.

Where polars would read a value as something it plainly is not, the record path refuses it
instead (a ValueError that the caller turns into an InputError naming the field):

- a boolean column takes 0 and 1 (and 0.0, 1.0) only; polars reads every other number, NaN and
  0.5 included, as true;
- an integer beyond polars' 128-bit range is refused (polars cannot hold it: its frame path
  fails with an OverflowError);
- a decision-rule column (`group_label`) refuses infinities and whole numbers outside 64 bits,
  which the frame path's group labelling cannot turn into text either.

Everything else matches polars 1.x exactly: numeric text as polars parses it (ASCII digits,
`inf`, `nan`, no `_`, surrounding whitespace as Rust trims it), floats as text in polars'
format (`1e-7`, `0.00001`, `1e+20`), booleans as text `true`/`false`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from modelward.errors import InputError
from modelward.training import schema as input_schema
from modelward.training.features import ColumnKind
from modelward.training.schema import InputColumn, InputSchema

TRUE = frozenset(input_schema.TRUE)
FALSE = frozenset(input_schema.FALSE)
MISSING = "(missing)"  # the group label of an absent value (as training.groups writes it)

# What polars' strip_chars() removes: Unicode White_Space (Rust's char::is_whitespace), which is
# str.strip()'s set without the ASCII separators U+001C..U+001F.
WHITESPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B)))
WHITESPACE += "\u2028\u2029\u202f\u205f\u3000"
# The text polars' string-to-float cast accepts (after trimming): ASCII digits only.
NUMBER = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf|infinity|nan)",
    re.IGNORECASE,
)
INT_LOW, INT_HIGH = -(2**127), 2**128  # what a polars integer column holds (Int128, UInt128)
INT64_LOW, INT64_HIGH = -(2**63), 2**63

Converter = Callable[[object], object]
Record = Mapping[str, object]
EXPECTED = {
    ColumnKind.NUMERIC: "a number or numeric text",
    ColumnKind.BOOLEAN: "true/false, 0/1 or text such as 'yes'/'no'",
    ColumnKind.DATETIME: "a date or date-time as text",
}


def conform_records(
    schema: InputSchema, records: Sequence[Record], *, ignore_extra: bool = False
) -> list[dict[str, Any]]:
    """Each record's model columns as `InputSchema.conform` casts them, as one dict per record.

    Values are float (NUMERIC), bool (BOOLEAN), str (text kinds), date or datetime (DATETIME),
    or None. InputError names `records[i]` and the field: a missing required field, an unknown
    one (unless `ignore_extra`), a value that is not what the column holds.
    """
    return RecordReader.of(schema).read(records, ignore_extra=ignore_extra)


@dataclass(frozen=True)
class RecordReader:
    """`conform_records` prepared once for a schema. Immutable and thread-safe."""

    schema: InputSchema
    plan: tuple[tuple[str, Converter], ...]
    required: frozenset[str]
    known: frozenset[str]
    dates: tuple[InputColumn, ...]

    @classmethod
    def of(cls, schema: InputSchema) -> RecordReader:
        plan = tuple((c.name, converter(c.kind)) for c in schema.columns)
        dates = tuple(c for c in schema.columns if c.kind is ColumnKind.DATETIME)
        required = frozenset(c.name for c in schema.columns)
        return cls(schema, plan, required, frozenset(schema.known), dates)

    def read(
        self, records: Sequence[Record], *, ignore_extra: bool = False
    ) -> list[dict[str, Any]]:
        """See `conform_records`."""
        if not isinstance(records, Sequence) or isinstance(records, str | bytes):
            raise InputError.field("records", records, "a list of objects")
        known = None if ignore_extra else self.known
        plan, rows = self.plan, []
        for i, record in enumerate(records):
            self._check_fields(i, record, known)
            try:
                rows.append({name: convert(record[name]) for name, convert in plan})
            except ValueError:
                rows.append(self._convert_each(i, record))
        for column in self.dates:
            _parse_dates(rows, column)
        return rows

    def _check_fields(self, i: int, record: object, known: frozenset[str] | None) -> None:
        if not isinstance(record, Mapping):
            raise InputError.field(f"records[{i}]", record, "an object of field values")
        keys = record.keys()
        if not self.required <= keys:
            missing = [name for name, _ in self.plan if name not in keys]
            raise InputError(
                f"records[{i}]: missing required field(s) {quoted(missing)}; "
                "add them (the model was trained with them)"
            )
        if known is not None and not keys <= known:
            unknown = [str(key) for key in keys if key not in known]
            raise InputError(
                f"records[{i}]: unknown field(s) {quoted(unknown)}; "
                "remove them, or ask for extra fields to be ignored"
            )

    def _convert_each(self, i: int, record: Record) -> dict[str, Any]:
        """The slow way, after a value was refused: numpy scalars (rows from pandas carry them)
        read as the Python values they hold; InputError names the first value still refused."""
        row = {}
        for column, (name, convert) in zip(self.schema.columns, self.plan, strict=True):
            value = record[name]
            try:
                row[name] = convert(python_scalar(value))
            except ValueError:
                expected = EXPECTED.get(column.kind, "text, a number or true/false")
                raise InputError.field(f"records[{i}].{name}", value, expected) from None
        return row


def _parse_dates(rows: list[dict[str, Any]], column: InputColumn) -> None:
    """Date text parsed for the whole column at once, exactly as the frame path parses it
    (polars infers one format from the column's first value)."""
    texts = [row[column.name] for row in rows]
    if all(text is None for text in texts):
        return
    target = input_schema.target_dtype(column)
    parsed = input_schema.convert(pl.Series(texts, dtype=pl.String), target)
    for i, (text, value) in enumerate(zip(texts, parsed.to_list(), strict=True)):
        if text is not None and value is None:
            raise InputError.field(f"records[{i}].{column.name}", text, EXPECTED[column.kind])
        rows[i][column.name] = value


def quoted(names: Sequence[str]) -> str:
    """Names as a short quoted list for a message: at most ten, then how many more."""
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def to_number(value: object) -> float | None:
    """A NUMERIC column's value: a float (NaN and infinities kept, the encoder drops them)."""
    if value is None:
        return None
    if isinstance(value, float):
        return float(value)
    if isinstance(value, int):  # bool too: True is 1.0, as polars casts it
        return float(_in_range(value))
    if isinstance(value, str):
        text = value.strip(WHITESPACE)
        if NUMBER.fullmatch(text):
            return float(text)
    raise ValueError(value)


def to_boolean(value: object) -> bool | None:
    """A BOOLEAN column's value: true/false, 0/1, or one of the TRUE/FALSE words (any case)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        word = value.strip(WHITESPACE).lower()
        if word in TRUE:
            return True
        if word in FALSE:
            return False
    raise ValueError(value)


def to_text(value: object) -> str | None:
    """A CATEGORICAL or HIGH_CARDINALITY column's value, as polars casts it to String."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(_in_range(value))
    if isinstance(value, float):
        return float_text(value)
    raise ValueError(value)


def to_date_text(value: object) -> str | None:
    """A DATETIME column's value: text, parsed later for the whole column (as polars does)."""
    if value is None or isinstance(value, str):
        return value
    raise ValueError(value)


def converter(kind: ColumnKind) -> Converter:
    """The converter for a column of `kind`."""
    match kind:
        case ColumnKind.NUMERIC:
            return to_number
        case ColumnKind.BOOLEAN:
            return to_boolean
        case ColumnKind.DATETIME:
            return to_date_text
        case _:
            return to_text


def float_text(value: float) -> str:
    """`value` as polars writes a Float64 as String: shortest round-trip digits, with plain
    decimals from 1e-5 up to 1e16 and `<digits>e<exp>` outside (`1e-7`, `1.5e+20`)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = int(exponent)
    if power == -5:  # Python switches to exponents one decade earlier than polars
        sign, digits = ("-", mantissa[1:]) if mantissa.startswith("-") else ("", mantissa)
        return f"{sign}0.0000{digits.replace('.', '')}"
    return f"{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


def group_label(value: object) -> str:
    """A decision-rule column's value as its group label, as `training.groups` writes it:
    whole numbers without a decimal point, `(missing)` for None and NaN."""
    value = python_scalar(value)
    if value is None:
        return MISSING
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, int | float):
        raise ValueError(value)
    number = float(_in_range(value) if isinstance(value, int) else value)
    if math.isnan(number):
        return MISSING
    if math.isinf(number):
        raise ValueError(value)
    if number != round(number):
        return float_text(number)
    if not INT64_LOW <= number < INT64_HIGH:
        raise ValueError(value)
    return str(int(number))


def python_scalar(value: object) -> object:
    """A numpy scalar as the Python value it holds (`np.int64(3)` is 3); else `value` itself."""
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return item()
    return value


def _in_range(value: int) -> int:
    if not INT_LOW <= value < INT_HIGH:
        raise ValueError(value)
    return value
