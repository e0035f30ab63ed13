"""An evaluation report stored by an earlier release reads into typed sections, unchanged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modelward.model.report import EvaluationReport, PrimaryScore, ValueExpected

# Stored by the release of 2026-12-08 (`make demo`: churn/v1, evaluated with a value model).
STORED = Path(__file__).parents[2] / "fixtures" / "stored" / "evaluation-report.json"


def _stored() -> dict[str, Any]:
    found: dict[str, Any] = json.loads(STORED.read_text())
    return found


def test_a_stored_report_reads_into_typed_sections() -> None:
    report = EvaluationReport.from_json(_stored())
    assert (report.model, report.task) == ("churn/v1", "binary")
    assert len(report.summary) == 10
    assert report.primary == PrimaryScore("roc_auc", 0.84998, 0.841313, 0.859178, 0.95)
    assert report.threshold is not None
    assert report.threshold.value == 0.148
    assert report.threshold.chosen_by == "value"
    assert report.policy is not None
    assert report.policy["act"] == "retention_offer"
    assert report.value == ValueExpected(
        gain_per_1000=14161.58, value_per_1000=59694.73, reference="everyone", degenerate=None
    )


def test_sections_not_typed_are_there_as_stored_and_the_document_is_unchanged() -> None:
    stored = _stored()
    report = EvaluationReport.from_json(stored)
    assert report.section("fairness") == stored["fairness"]
    assert report.section("no_such_section") == {}
    assert report.to_json() == stored


@pytest.mark.parametrize(
    "document",
    [{}, {"value": None, "policy": None}, {"primary": {"metric": "mase"}}, {"threshold": {}}],
)
def test_a_report_without_a_section_reads_it_as_absent(document: dict[str, Any]) -> None:
    report = EvaluationReport.from_json(document)
    assert report.value is None
    assert report.policy is None
    assert report.primary is None
    assert report.summary == ()
    assert report.threshold is None or report.threshold.value is None


def test_the_sections_a_model_card_s_limitations_read() -> None:
    report = EvaluationReport.from_json(_stored())
    assert (report.evidence.kind, report.evidence.rows, report.evidence.folds) == (
        "out-of-fold",
        7043,
        5,
    )
    assert report.overfitting.answer is False
    assert report.beats_baselines.answer is True
    assert report.beats_baselines_in_value.answer is False
    assert report.beats_baselines_in_value.sentence is not None
    assert report.beats_baselines_in_value.sentence.startswith("about as good as the simple")
    assert report.memorization.level == "low"
    assert report.degenerate_policy is None
    assert report.has_parts is False
    assert report.failed_sections() == []
    assert report.facts["beats_baseline_value"] == 0.0


def test_a_failed_section_is_named() -> None:
    report = EvaluationReport.from_json({"privacy": {"error": "out of memory"}, "slices": {}})
    assert report.failed_sections() == ["privacy"]
    assert report.memorization.level is None


def test_the_reference_policy_is_absent_from_reports_that_did_not_store_it() -> None:
    assert EvaluationReport.from_json(_stored()).value_reference == "everyone"
    older = {"value": {"decision": {"degenerate": None}, "gain_per_1000": 1.0}}
    assert EvaluationReport.from_json(older).value_reference is None
    unpriced = {"value": {"decision": {"reference_key": "nobody"}, "gain_per_1000": None}}
    assert EvaluationReport.from_json(unpriced).value_reference == "nobody"


def test_a_primary_score_without_a_number_is_absent() -> None:
    assert EvaluationReport.from_json({"primary": {"value": "n/a"}}).primary is None
    found = EvaluationReport.from_json({"primary": {"value": 0.5}}).primary
    assert found is not None
    assert found.metric is None
