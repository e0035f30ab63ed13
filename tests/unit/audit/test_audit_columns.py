from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]


def test_constant_column(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"country": ["FR"] * 5, "x": [1, 2, 3, 4, 5]})
    [finding] = run_check("constant_columns", frame)
    assert finding.severity is Severity.WARNING
    assert finding.message == "column `country` has the same value ('FR') in every row: drop it"


def test_constant_apart_from_missing_values(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"flag": [1, None, 1, 1]})
    [finding] = run_check("constant_columns", frame)
    assert "apart from 1 missing values" in finding.message


def test_near_constant_column(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"plan": ["basic"] * 995 + ["pro"] * 5, "x": range(1000)})
    [finding] = run_check("constant_columns", frame)
    assert finding.message.startswith(
        "column `plan` is almost constant: 'basic' in 99.5% of rows (995 of 1,000)"
    )


def test_varied_columns_are_not_constant(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"plan": ["basic"] * 980 + ["pro"] * 20, "x": range(1000)})
    assert run_check("constant_columns", frame) == []


def test_high_cardinality_category(run_check: RunCheck) -> None:
    cities = [f"city {i % 30}" for i in range(40)]
    [finding] = run_check("high_cardinality", pl.DataFrame({"city": cities}))
    assert finding.message.startswith("column `city` has 30 distinct values in 40 rows (75%)")


def test_low_cardinality_and_free_text_are_not_high_cardinality(run_check: RunCheck) -> None:
    notes = [
        f"the customer called about invoice number {i} and asked for a refund" for i in range(40)
    ]
    frame = pl.DataFrame({"plan": ["a", "b"] * 20, "note": notes})
    assert run_check("high_cardinality", frame) == []


def test_id_like_columns(run_check: RunCheck) -> None:
    frame = pl.DataFrame(
        {
            "rownames": range(1, 31),
            "customer_id": [i % 7 for i in range(30)],
            "code": [f"C{i:04d}" for i in range(30)],
            "counter": [i * 3 for i in range(30)],
            "score": np.random.default_rng(0).normal(size=30),
            "age": [20 + i % 11 for i in range(30)],
        }
    )
    found = {f.column: f.message for f in run_check("id_columns", frame)}
    assert set(found) == {"rownames", "customer_id", "code", "counter"}
    assert found["rownames"] == (
        "column `rownames` looks like a row id (unique consecutive integers 1..30): "
        "drop it before training"
    )
    assert "unique integers in row order" in found["counter"]
    assert "its name says it is an identifier" in found["customer_id"]


def test_outliers_name_count_share_and_an_extreme_value(run_check: RunCheck) -> None:
    values = np.random.default_rng(1).normal(100, 10, 1000)
    values[:3] = 999_999.0
    [finding] = run_check("outliers", pl.DataFrame({"amount": values}))
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith("column `amount`: 3 outliers (0.30%) outside [")
    assert "e.g. 999,999" in finding.message


def test_normal_values_have_no_outliers(run_check: RunCheck) -> None:
    values = np.random.default_rng(2).normal(100, 10, 10_000)
    frame = pl.DataFrame({"x": values, "code": np.arange(10_000) % 5})
    assert run_check("outliers", frame) == []


def test_heavy_tail_is_an_info(run_check: RunCheck) -> None:
    values = np.random.default_rng(3).lognormal(0, 1.5, 5000)
    [finding] = run_check("outliers", pl.DataFrame({"income": values}))
    assert finding.severity is Severity.INFO
    assert "has a heavy tail" in finding.message
