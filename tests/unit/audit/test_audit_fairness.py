from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]


def test_group_shares_are_listed(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"female": [0] * 60 + [1] * 40})
    [finding] = run_check("representativeness", frame, sensitive=("female",))
    assert finding.severity is Severity.INFO
    assert finding.message == "sensitive attribute `female` groups: `0` 60% (60), `1` 40% (40)"


def test_small_and_tiny_groups(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"region": ["north"] * 940 + ["south"] * 55 + ["east"] * 5})
    found = run_check("representativeness", frame, sensitive=("region",))
    by_severity = {f.severity: f.message for f in found}
    assert Severity.WARNING not in by_severity  # `south`, 5.5% and 55 rows, is not small
    assert by_severity[Severity.ERROR].startswith(
        "sensitive attribute `region`: tiny groups `east` (5 rows, 0.50%)"
    )


def test_group_under_thirty_rows_is_small(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"sex": ["f"] * 25 + ["m"] * 25})
    found = run_check("representativeness", frame, sensitive=("sex",))
    [warning] = [f for f in found if f.severity is Severity.WARNING]
    assert "small groups `f` (25 rows, 50%), `m` (25 rows, 50%)" in warning.message


def test_single_group_is_an_error(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"female": [0] * 50})
    found = run_check("representativeness", frame, sensitive=("female",))
    assert any(
        f.severity is Severity.ERROR and "has a single group (`0`)" in f.message for f in found
    )


def test_missing_attribute_values_warn(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"female": [0, 1] * 50 + [None] * 10})
    found = run_check("representativeness", frame, sensitive=("female",))
    assert any("is missing in 10 rows (9.09%)" in f.message for f in found)


def test_continuous_attribute_is_grouped_by_quartiles(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"age": [*range(18, 98), None] * 3})
    [groups, missing] = run_check("representativeness", frame, sensitive=("age",))
    assert groups.message == (
        "sensitive attribute `age` groups: `18–38` 26.2% (63), `39–58` 25% (60), "
        "`59–77` 23.8% (57), `78–97` 25% (60)"
    )
    assert missing.message.startswith("sensitive attribute `age` is missing in 3 rows")


def test_proxy_for_a_sensitive_attribute(run_check: RunCheck) -> None:
    rng = np.random.default_rng(0)
    female = rng.integers(0, 2, 2000)
    frame = pl.DataFrame(
        {
            "female": female,
            "first_purchase": np.where(female == 1, "cosmetics", "tools"),
            "height": 178 - 13 * female + rng.normal(0, 5, 2000),
            "spend": rng.normal(size=2000),
        }
    )
    found = {f.column: f for f in run_check("sensitive_proxies", frame, sensitive=("female",))}
    assert set(found) == {"first_purchase", "height"}
    assert found["height"].severity is Severity.WARNING
    assert found["height"].message.startswith(
        "column `height` is a proxy for sensitive attribute `female`: on its own it tells group"
    )


def test_independent_features_are_no_proxies(run_check: RunCheck) -> None:
    rng = np.random.default_rng(1)
    frame = pl.DataFrame(
        {
            "female": rng.integers(0, 2, 2000),
            "spend": rng.normal(size=2000),
            "plan": rng.choice(["a", "b", "c"], 2000),
        }
    )
    assert run_check("sensitive_proxies", frame, sensitive=("female",)) == []
