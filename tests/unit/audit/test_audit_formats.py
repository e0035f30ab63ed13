from __future__ import annotations

from collections.abc import Callable

import polars as pl

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]


def _one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.message for f in findings]
    return findings[0]


def test_mostly_numeric_text_names_the_stray_values(run_check: RunCheck) -> None:
    values = [str(i * 1.5) for i in range(18)] + ["abc", "n.a."]
    finding = _one(run_check("type_consistency", pl.DataFrame({"price": values})))
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith(
        "column `price` holds mostly numbers but 2 values (10%) are not, e.g. 'abc', 'n.a.'"
    )


def test_numbers_written_as_text_are_an_info(run_check: RunCheck) -> None:
    finding = _one(run_check("type_consistency", pl.DataFrame({"zip": ["02134", "10001"]})))
    assert finding.severity is Severity.INFO
    assert "holds numbers written as text" in finding.message


def test_mostly_dates_with_stray_values(run_check: RunCheck) -> None:
    values = [f"2024-01-{d:02d}" for d in range(1, 10)] + ["soon"]
    finding = _one(run_check("type_consistency", pl.DataFrame({"when": values})))
    assert "holds mostly dates but 1 values (10%) are not, e.g. 'soon'" in finding.message


def test_mixed_date_formats(run_check: RunCheck) -> None:
    values = [f"2024-01-{d:02d}" for d in range(1, 7)] + ["03/01/2024", "04/01/2024"]
    finding = _one(run_check("type_consistency", pl.DataFrame({"when": values})))
    assert finding.message.startswith(
        "column `when` mixes date formats: YYYY-MM-DD (75.0%), DD/MM/YYYY or MM/DD/YYYY (25.0%)"
    )


def test_leading_and_trailing_spaces(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"plan": ["basic", "basic ", " pro", "pro"]})
    finding = _one(run_check("type_consistency", frame))
    assert finding.message.startswith(
        "column `plan`: 2 values (50%) have leading or trailing spaces"
    )


def test_case_variants_of_one_category(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"partner": ["Yes", "Yes", "yes", "No", "No", "NO"]})
    finding = _one(run_check("type_consistency", frame))
    assert finding.severity is Severity.WARNING
    assert finding.message == (
        "column `partner` spells 2 categories in several cases ('No'/'NO'; 'Yes'/'yes'); "
        "2 rows (33.3%) use the less common spelling: normalise the case"
    )


def test_clean_text_columns_pass(run_check: RunCheck) -> None:
    frame = pl.DataFrame(
        {
            "plan": ["basic", "pro", "basic", "team"],
            "when": ["2024-01-01", "2024-01-02", "2024-02-01", "2024-03-01"],
            "n": [1, 2, 3, 4],
        }
    )
    assert run_check("type_consistency", frame) == []
