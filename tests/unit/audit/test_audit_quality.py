from __future__ import annotations

from collections.abc import Callable

import polars as pl

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]


def test_missing_values_warn_with_count_and_share(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": [1.0, None, 3.0, 4.0], "b": ["x", "y", "z", "w"]})
    [finding] = run_check("missing_values", frame)
    assert finding.severity is Severity.WARNING
    assert finding.column == "a"
    assert finding.message == "column `a`: 1 missing values (25%)"


def test_missing_values_count_nan(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": [1.0, float("nan"), 3.0, 4.0]})
    [finding] = run_check("missing_values", frame)
    assert "1 missing values (25%, all NaN)" in finding.message


def test_mostly_or_fully_missing_is_an_error(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": [None, None, None, 1], "b": pl.Series([None] * 4, dtype=pl.Int64)})
    found = {f.column: f for f in run_check("missing_values", frame)}
    assert found["a"].severity is Severity.ERROR
    assert "more than half of the rows" in found["a"].message
    assert found["b"].severity is Severity.ERROR
    assert found["b"].message == "column `b` is entirely missing (4 rows): drop it"


def test_no_missing_values_gives_one_info_summary(run_check: RunCheck) -> None:
    [finding] = run_check("missing_values", pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}))
    assert finding.severity is Severity.INFO
    assert finding.message == "no missing values in any of the 2 columns"


def test_text_markers_of_missing_values_are_flagged(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": ["x", "NA", " ", "y", "n/a", "z"]})
    [finding] = run_check("missing_values", frame)
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith("column `a`: 3 values (50%) are text standing for a missing")


def test_missing_target_rows_are_called_out(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"x": [1, 2, 3, 4], "y": ["a", None, "b", "a"]})
    [finding] = run_check("missing_values", frame, target="y")
    assert "rows without a target cannot be used for training" in finding.message


def test_exact_duplicates_ignore_id_columns(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"id": [1, 2, 3, 4], "a": [1, 1, 2, 3], "b": ["x", "x", "y", "z"]})
    [finding] = run_check("duplicates", frame)
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith(
        "1 rows (25%) are exact copies of an earlier row (ignoring id-like `id`)"
    )


def test_conflicting_duplicates_need_a_target(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": [1, 1, 2, 3], "b": ["x", "x", "y", "z"], "y": [0, 1, 0, 1]})
    assert run_check("duplicates", frame) == []  # without a target, `y` is one more feature
    [finding] = run_check("duplicates", frame, target="y")
    assert finding.column == "y"
    assert finding.message.startswith(
        "1 groups of rows (2 rows, 50%) have identical features but different `y` values"
    )


def test_distinct_rows_give_no_duplicate_findings(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"], "y": [0, 1, 0]})
    assert run_check("duplicates", frame, target="y") == []
