from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from modelward.audit import Finding, Severity

RunCheck = Callable[..., list[Finding]]


def _churn(yes: int, no: int) -> pl.DataFrame:
    return pl.DataFrame({"x": range(yes + no), "churn": ["Yes"] * yes + ["No"] * no})


def test_class_shares_are_always_shown(run_check: RunCheck) -> None:
    [shares] = run_check("class_imbalance", _churn(50, 50), target="churn")
    assert shares.severity is Severity.INFO
    assert shares.message == "target `churn` classes: `No` 50% (50), `Yes` 50% (50)"


@pytest.mark.parametrize(
    ("yes", "severity", "words"),
    [
        (265, Severity.INFO, "is imbalanced: `Yes` is 26.5% of rows (265 of 1,000)"),
        (150, Severity.WARNING, "is imbalanced: `Yes` is 15% of rows (150 of 1,000)"),
        (5, Severity.ERROR, "is severely imbalanced: `Yes` is 0.50% of rows (5 of 1,000)"),
    ],
)
def test_imbalance_severity_follows_the_minority_share(
    run_check: RunCheck, yes: int, severity: Severity, words: str
) -> None:
    findings = run_check("class_imbalance", _churn(yes, 1000 - yes), target="churn")
    [imbalance] = [f for f in findings if "imbalanced" in f.message]
    assert imbalance.severity is severity
    assert words in imbalance.message


def test_imbalance_advice_names_metrics(run_check: RunCheck) -> None:
    findings = run_check("class_imbalance", _churn(265, 735), target="churn", positive_label="Yes")
    assert findings[-1].message.endswith(
        "use stratified splits and a metric such as ROC-AUC or PR-AUC"
    )


def test_single_class_target_is_an_error(run_check: RunCheck) -> None:
    [finding] = run_check("class_imbalance", _churn(0, 10), target="churn")
    assert finding.severity is Severity.ERROR
    assert "has a single class (`No`)" in finding.message


def test_positive_label_of_a_boolean_target(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"y": [True, False] * 5})
    findings = run_check("class_imbalance", frame, target="y", positive_label="True")
    assert all(f.severity is Severity.INFO for f in findings)


def test_unknown_positive_label_is_an_error(run_check: RunCheck) -> None:
    findings = run_check("class_imbalance", _churn(5, 5), target="churn", positive_label="Maybe")
    assert any(
        f.severity is Severity.ERROR and "positive label 'Maybe' does not occur" in f.message
        for f in findings
    )


def test_regression_target_has_no_class_balance(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"y": np.linspace(0, 1, 100)})
    assert run_check("class_imbalance", frame, target="y") == []


def _leaky_frame(n: int = 2000) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    churn = rng.random(n) < 0.3
    return pl.DataFrame(
        {
            "noise": rng.normal(size=n),
            "tenure": rng.normal(size=n) + churn * 0.5,
            "refund_amount": np.where(churn, rng.uniform(10, 20, n), rng.uniform(0, 9, n)),
            "status": np.where(churn, "closed", "open"),
            "churn_copy": np.where(churn, "Yes", "No"),
            "churn": np.where(churn, "Yes", "No"),
        }
    )


def test_leakage_names_the_leaking_columns_and_their_scores(run_check: RunCheck) -> None:
    findings = run_check("target_leakage", _leaky_frame(), target="churn", positive_label="Yes")
    found = {f.column: f for f in findings}
    assert set(found) == {"refund_amount", "status", "churn_copy"}
    assert all(f.severity is Severity.ERROR for f in findings)
    assert (
        found["churn_copy"].message
        == "column `churn_copy` is a copy of the target `churn`: drop it"
    )
    assert found["refund_amount"].message.startswith(
        "column `refund_amount` predicts the target `churn` almost perfectly on its own (ROC-AUC "
        "1.000)"
    )


def test_leakage_catches_a_non_monotone_relation(run_check: RunCheck) -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=3000)
    frame = pl.DataFrame({"x": x, "y": np.abs(x) > 1})
    [finding] = run_check("target_leakage", frame, target="y")
    assert finding.column == "x"


def test_leakage_for_regression_uses_correlation(run_check: RunCheck) -> None:
    rng = np.random.default_rng(2)
    y = rng.normal(size=1000)
    frame = pl.DataFrame(
        {"y_cents": y * 100 + 0.01 * rng.normal(size=1000), "z": rng.normal(size=1000), "y": y}
    )
    [finding] = run_check("target_leakage", frame, target="y")
    assert finding.column == "y_cents"
    assert "(correlation 1.000)" in finding.message


def test_leakage_for_multiclass_uses_macro_auc(run_check: RunCheck) -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 1500)
    frame = pl.DataFrame({"code": np.array(["a", "b", "c"])[y], "z": rng.normal(size=1500), "y": y})
    [finding] = run_check("target_leakage", frame, target="y")
    assert finding.column == "code"
    assert "macro ROC-AUC 1.000" in finding.message


def test_honest_features_do_not_leak(run_check: RunCheck) -> None:
    frame = _leaky_frame().drop("refund_amount", "status", "churn_copy")
    assert run_check("target_leakage", frame, target="churn") == []


def test_a_unique_id_does_not_look_predictive(run_check: RunCheck) -> None:
    rng = np.random.default_rng(4)
    frame = pl.DataFrame({"key": [f"k{i}" for i in range(500)], "y": rng.random(500) < 0.5})
    assert run_check("target_leakage", frame, target="y") == []
