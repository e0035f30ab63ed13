"""Turn pandera's failure cases into one human message per column and problem."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from modelward.datasets.contract import ColumnContract, Contract

_KINDS = {
    "column_in_dataframe": "missing",
    "dtype": "dtype",
    "not_nullable": "nulls",
    "in_range": "range",
    "isin": "categories",
}
_TYPE_KINDS = ("missing", "dtype")


def describe(cases: pl.DataFrame, contract: Contract) -> list[str]:
    """Messages in the contract's column order, naming the column, the values and the expected."""
    return list(_messages(cases, contract))


def _messages(cases: pl.DataFrame, contract: Contract) -> Iterable[str]:
    # A missing column is reported with its name in failure_case, not in column.
    cases = cases.with_columns(
        pl.when(pl.col("check") == "column_in_dataframe")
        .then(pl.col("failure_case"))
        .otherwise(pl.col("column"))
        .alias("column")
    )
    grouped = cases.group_by("column", "check", maintain_order=True).agg(
        pl.len().alias("count"),
        pl.col("failure_case").drop_nulls().unique(maintain_order=True).head(3).alias("examples"),
    )
    by_column: dict[str, list[dict[str, Any]]] = {}
    for row in grouped.iter_rows(named=True):
        by_column.setdefault(row["column"], []).append(row)
    for column in contract.columns:
        rows = by_column.get(column.name, [])
        # Once the type is wrong, the value checks only repeat it with polars errors.
        if any(_kind(row["check"]) in _TYPE_KINDS for row in rows):
            rows = [row for row in rows if _kind(row["check"]) in _TYPE_KINDS]
        yield from (_message(column, row) for row in rows)


def _kind(check: str) -> str:
    return next((kind for prefix, kind in _KINDS.items() if check.startswith(prefix)), "other")


def _message(column: ColumnContract, row: Mapping[str, Any]) -> str:
    name, count, kind = column.name, row["count"], _kind(row["check"])
    values: list[str] = [str(value) for value in row["examples"]]
    if kind == "missing":
        return f"{name}: missing from the data; expected a column of dtype {column.dtype}"
    if kind == "dtype":
        return f"{name}: got dtype {', '.join(values)}; expected {column.dtype}"
    if kind == "nulls":
        return f"{name}: got {count} null values; expected none (the column is not nullable)"
    if kind == "range":
        shown = ", ".join(values)
        return (
            f"{name}: got {count} values out of range, e.g. {shown}; expected {column.range_text}"
        )
    if kind == "categories":
        known = column.categories or ()
        allowed = ", ".join(repr(c) for c in known[:10]) + (", ..." if len(known) > 10 else "")
        shown = ", ".join(repr(value) for value in values)
        return f"{name}: got {count} unknown values, e.g. {shown}; expected one of {allowed}"
    return f"{name}: failed {row['check']} on {count} rows, e.g. {', '.join(values)}"
