from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import polars as pl

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]

# conftest's clock: 2024-06-01 00:00 UTC


def test_stale_data_is_an_error(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": [date(2024, 1, 1), date(2024, 3, 3)]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.ERROR
    assert finding.message == (
        "data is stale: the newest row in `ts` is from 2024-03-03 00:00, 90.0 days old; "
        "the policy allows 30 days"
    )


def test_fresh_data_is_an_info(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": ["2024-05-01", "2024-05-30"]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("data is fresh: the newest row in `ts` is from 2024-05-30")
    assert "2.0 days old (policy: at most 30 days)" in finding.message


def test_age_is_reported_without_a_policy(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": [datetime(2024, 5, 31, 12, 0)]})
    [finding] = run_check("staleness", frame, time_column="ts")
    assert finding.severity is Severity.INFO
    assert finding.message.endswith("0.5 days old (no maximum age set)")


def test_without_a_time_column_the_newest_date_of_any_date_column_is_judged(
    run_check: RunCheck,
) -> None:
    frame = pl.DataFrame(
        {
            "signed_up": ["2019-03-01", "2020-01-01", None],
            "last_order": [date(2021, 6, 30), date(2020, 1, 5), date(2019, 1, 1)],
            "date_of_birth": [date(1980, 1, 1)] * 3,
            "plan": ["basic", "pro", "basic"],
            "code": ["12", "13", "14"],
        }
    )
    [finding] = run_check("staleness", frame)
    assert finding.severity is Severity.WARNING
    assert finding.column == "last_order"
    assert finding.message.startswith(
        "data may be stale: its newest date, in `last_order`, is 2021-06-30, 1,067 days old, "
        "over the 365 days allowed by default; refresh the data, or if rows are dated by "
        "`last_order`, name it the spec's `time_column`"
    )
    assert finding.details["date_columns"] == ["last_order", "signed_up"]
    [stricter] = run_check("staleness", frame.drop("last_order"), max_age_days=30)
    assert "in `signed_up`, is 2020-01-01" in stricter.message
    assert "over the 30 days the policy allows" in stricter.message


def test_recent_or_absent_dates_without_a_time_column_say_nothing(run_check: RunCheck) -> None:
    recent = pl.DataFrame({"ts": ["2024-05-01", "2019-01-01"], "n": [1, 2]})
    assert run_check("staleness", recent) == []
    births = pl.DataFrame({"birth_date": [date(1990, 1, 1)], "name": ["Ann"]})
    assert run_check("staleness", births) == []


def test_unparsable_time_column_warns(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": ["soon", "later", "never"]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith("time column `ts` cannot be read as dates (e.g. 'soon'")


def test_partly_unparsable_time_column_warns_and_still_measures(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": ["2024-05-30", "2024-05-29", "yesterday"]})
    findings = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert [f.severity for f in findings] == [Severity.WARNING, Severity.INFO]
    assert "1 values (33.3%) cannot be read as dates, e.g. 'yesterday'" in findings[0].message


def test_rows_dated_in_the_future_warn(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"ts": [date(2030, 1, 1)]})
    [finding] = run_check("staleness", frame, time_column="ts", max_age_days=30)
    assert finding.severity is Severity.WARNING
    assert "after now: check the clock or the time zone" in finding.message
