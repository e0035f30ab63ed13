"""Request bodies of the scoring endpoints: MLflow's scoring protocol, CSV and Parquet.

JSON: `{"dataframe_records": [{col: value, ...}, ...]}`, `{"dataframe_split": {"columns": [...],
"data": [[...], ...]}}`, `{"instances": [{...}, ...]}` or `{"inputs": ...}` (rows as objects, or
a column name: values object), as `mlflow models serve` accepts. CSV
(`text/csv`) and Parquet (`application/vnd.apache.parquet`) bodies carry a batch. Every defect
is an InputError naming the field, so a malformed body is a 422, never a 500.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import orjson
import polars as pl

from modelward.errors import InputError

Records = list[dict[str, Any]]
SCALARS = (str, int, float, bool, type(None))
MAX_ROWS = 100_000
JSON_TYPES = ("application/json", "")
CSV_TYPES = ("text/csv",)
PARQUET_TYPES = ("application/vnd.apache.parquet", "application/x-parquet", "application/parquet")
FORMS = "dataframe_records, dataframe_split, instances or inputs"


def parse_body(content_type: str, body: bytes) -> Records | pl.DataFrame:
    """Records from a JSON body, a frame from a CSV or Parquet body."""
    kind = content_type.split(";")[0].strip().lower()
    if kind in JSON_TYPES or kind.endswith("+json"):
        return parse_json(body)
    if kind in CSV_TYPES:
        return _frame(lambda: pl.read_csv(io.BytesIO(body), infer_schema_length=10_000), "CSV")
    if kind in PARQUET_TYPES:
        return _frame(lambda: pl.read_parquet(io.BytesIO(body)), "Parquet")
    raise InputError.field(
        "content-type", content_type, "application/json, text/csv or application/vnd.apache.parquet"
    )


def require_json(content_type: str) -> None:
    """InputError unless the body is declared JSON: a browser sends plain text or form bodies
    across sites without asking, so a JSON route accepts nothing else."""
    kind = content_type.split(";")[0].strip().lower()
    if kind != "application/json" and not kind.endswith("+json"):
        raise InputError.field("content-type", content_type or "none", "application/json")


def parse_json(body: bytes) -> Records:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InputError.field(
            "body", f"invalid JSON ({exc})", f"a JSON object with {FORMS}"
        ) from None
    if not isinstance(data, dict):
        raise InputError.field("body", type(data).__name__, f"a JSON object with {FORMS}")
    if "dataframe_records" in data:
        return _records(data["dataframe_records"], "dataframe_records")
    if "instances" in data:
        return _records(data["instances"], "instances")
    if "dataframe_split" in data:
        return _split(data["dataframe_split"])
    if "inputs" in data:
        return _inputs(data["inputs"])
    raise InputError.field("body", sorted(data)[:5], f"one of the keys {FORMS}")


def _inputs(inputs: object) -> Records:
    """MLflow's `inputs`: rows as objects, or one object of column name -> list of values (what
    MLflow's client sends for a dict of arrays). A list of bare lists names no columns."""
    if isinstance(inputs, list):
        if inputs and all(isinstance(row, list) for row in inputs):
            raise InputError.field(
                "inputs", "rows without column names", "rows as objects, or use dataframe_split"
            )
        return _records(inputs, "inputs")
    if not isinstance(inputs, dict) or not inputs:
        raise InputError.field("inputs", _kind(inputs), "rows as objects, or columns of values")
    columns = list(inputs)
    values = [inputs[c] if isinstance(inputs[c], list) else [inputs[c]] for c in columns]
    lengths = {len(v) for v in values}
    if len(lengths) != 1 or 0 in lengths:
        raise InputError.field("inputs", f"columns of lengths {sorted(lengths)}", "equal lengths")
    return _split({"columns": columns, "data": [list(row) for row in zip(*values, strict=True)]})


def _records(rows: object, field: str) -> Records:
    if not isinstance(rows, list) or not rows:
        raise InputError.field(field, _kind(rows), "a non-empty list of row objects")
    _check_count(len(rows), field)
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise InputError.field(f"{field}[{i}]", _kind(row), "an object of column: value")
        _check_values(row, f"{field}[{i}]")
    return rows


def _split(split: object) -> Records:
    if not isinstance(split, dict):
        raise InputError.field("dataframe_split", _kind(split), '{"columns": [...], "data": [...]}')
    columns, data = split.get("columns"), split.get("data")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise InputError.field("dataframe_split.columns", _kind(columns), "a list of column names")
    if len(set(columns)) != len(columns):
        raise InputError.field("dataframe_split.columns", columns, "distinct column names")
    if not isinstance(data, list) or not data:
        raise InputError.field("dataframe_split.data", _kind(data), "a non-empty list of rows")
    _check_count(len(data), "dataframe_split.data")
    records = []
    for i, row in enumerate(data):
        if not isinstance(row, list) or len(row) != len(columns):
            raise InputError.field(
                f"dataframe_split.data[{i}]", _kind(row), f"a list of {len(columns)} values"
            )
        record = dict(zip(columns, row, strict=True))
        _check_values(record, f"dataframe_split.data[{i}]")
        records.append(record)
    return records


def _check_values(row: Mapping[str, Any], where: str) -> None:
    for name, value in row.items():
        if not isinstance(value, SCALARS):
            raise InputError.field(f"{where}.{name}", _kind(value), "a number, text, bool or null")


def _check_count(n: int, field: str) -> None:
    if n > MAX_ROWS:
        raise InputError.field(field, f"{n} rows", f"at most {MAX_ROWS} per request")


def _frame(read: Any, what: str) -> pl.DataFrame:
    try:
        frame: pl.DataFrame = read()
    except Exception as exc:  # polars and pyarrow raise many kinds on malformed files
        raise InputError.field("body", f"unreadable {what} ({type(exc).__name__})", what) from None
    if frame.height == 0:
        raise InputError.field("body", f"{what} without rows", "at least one row")
    _check_count(frame.height, "body")
    return frame


def _kind(value: object) -> str:
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return "an object"
    return repr(value) if isinstance(value, str | int | float | bool) else type(value).__name__
