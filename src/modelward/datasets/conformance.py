"""Check a frame against a contract with pandera (polars backend).

Kept apart from `contract` because importing pandera costs over a second (it pulls pandas);
only the commands that validate data pay it.
"""

from __future__ import annotations

import datetime as dt

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from modelward.datasets.contract import ColumnContract, Contract, Role
from modelward.datasets.dtypes import parse_dtype
from modelward.datasets.violations import describe


def to_pandera(contract: Contract) -> pa.DataFrameSchema:
    """The pandera (polars backend) schema that a frame satisfying `contract` passes.

    Columns not in the contract are allowed; a dtype the contract cannot rebuild is not checked.
    """
    return pa.DataFrameSchema(
        {column.name: _pandera_column(column) for column in contract.columns}, name="contract"
    )


def _pandera_column(column: ColumnContract) -> pa.Column:
    checks: list[pa.Check] = []
    low, high = _typed(column, column.minimum), _typed(column, column.maximum)
    if low is not None and high is not None:
        checks.append(pa.Check.in_range(low, high))
    if column.role is Role.CATEGORICAL and column.categories is not None:
        checks.append(pa.Check.isin(list(column.categories)))
    return pa.Column(parse_dtype(column.dtype), checks=checks, nullable=column.nullable)


def _typed(column: ColumnContract, bound: float | str | None) -> object:
    if bound is None:
        return None
    if column.role is Role.DATE:
        return dt.date.fromisoformat(str(bound))
    if column.role is Role.DATETIME:
        return dt.datetime.fromisoformat(str(bound))
    return float(bound)


def validate(df: pl.DataFrame, contract: Contract) -> list[str]:
    """Human messages for each way `df` breaks `contract`; empty when it conforms.

    Each names the column, what was found (with example values) and what was expected.
    """
    try:
        to_pandera(contract).validate(df, lazy=True)
    except SchemaErrors as exc:
        return describe(exc.failure_cases, contract)
    return []
