"""The evaluation page: renders every task, tolerates missing and failed parts, escapes, is offline.

The example reports come from the real section functions run on small synthetic evidence, and
go through a JSON round trip, as the stored report does.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np
import polars as pl
import pytest

from modelward.evaluation.baselines import compare_baselines
from modelward.evaluation.explain import LocalExplanations, summarize
from modelward.evaluation.fairness import fairness
from modelward.evaluation.html import render_evaluation_html
from modelward.evaluation.overfit import overfit_check
from modelward.evaluation.performance import performance
from modelward.evaluation.policies import Constraints, Judged, choose_policy
from modelward.evaluation.privacy import membership_risk
from modelward.evaluation.robustness import flip_rate
from modelward.evaluation.slices import worst_slices
from modelward.evaluation.threshold import Threshold
from modelward.evaluation.value import Costs, business_value
from modelward.spec.model import Task
from modelward.spec.value import ValueModel
from modelward.training.evidence import Evidence
from modelward.training.target import Target

ROWS = 600
FEATURES = ("tenure", "colour", "<script>")
SECTIONS = (
    "performance", "baselines", "overfitting", "slices", "fairness", "value",
    "explanations", "privacy", "robustness",
)  # fmt: skip
HEADINGS = (
    "Headline", "Primary metric", "Metrics", "Charts", "Baselines: is machine learning worth it?",
    "Overfitting", "Worst slices", "Fairness", "Explanations", "Business value",
    "Memorization and robustness",
)  # fmt: skip
MONEY = ValueModel(true_positive=200, false_positive=-50, false_negative=-300, true_negative=0)


def _frame(rng: np.random.Generator, target: str, y_values: list[Any]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "tenure": rng.integers(0, 72, ROWS),
            "colour": rng.choice(["red", "green", "blue"], ROWS),
            "<script>": rng.choice(["<b>bold</b>", "plain"], ROWS),
            "sex": rng.choice(["female", "male"], ROWS),
            target: y_values,
        }
    )


def _signal(frame: pl.DataFrame) -> np.ndarray:
    """What the synthetic model knows: short tenure and red raise the outcome."""
    red = (frame["colour"] == "red").to_numpy()
    return np.asarray(1.5 - frame["tenure"].to_numpy() / 24 + red, dtype=np.float64)


def _explanations(frame: pl.DataFrame, target: Target, outputs: tuple[str, ...]) -> dict[str, Any]:
    rng = np.random.default_rng(1)
    rows = frame.select(FEATURES).head(200)
    values = rng.normal(0, 0.05, (rows.height, len(FEATURES), len(outputs)))
    values[:, 0, :] += (36 - rows["tenure"].to_numpy()[:, None]) / 200
    local = LocalExplanations(
        target, outputs, FEATURES, rows, values, np.full((rows.height, len(outputs)), 0.3),
        ("tree_shap",),
    )  # fmt: skip
    return summarize(local).to_json()


def _report(evidence: Evidence, metric: str, outputs: tuple[str, ...]) -> dict[str, Any]:
    """A report as the evaluation assembles one, each section from its real function."""
    task = evidence.target.task
    binary = task is Task.BINARY
    choice = None
    threshold = Threshold(0.5, "default", "default: no value model")
    if binary:
        judged = Judged.of(evidence.frame, evidence.y, evidence.oof[:, 1], ("sex",))
        bounds = Constraints({"demographic_parity_difference": 0.2})
        choice = choose_policy(judged, MONEY, evidence.target, constraints=bounds)
        threshold = Threshold(choice.chosen.threshold or 0.5, "value", "by value")
    cut = threshold.value if binary else None
    perf = performance(evidence, threshold=cut, metric=metric, rounds=200)
    baselines = compare_baselines(evidence, metric, threshold=cut, rounds=200)
    overfit = overfit_check(evidence, metric, threshold=cut)

    def predict(frame: pl.DataFrame) -> np.ndarray:
        p: np.ndarray = 1 / (1 + np.exp(-_signal(frame)))
        if task is Task.REGRESSION:
            return 10 * p
        return _two(p) if binary else np.column_stack([1 - p, p / 2, p / 2])

    value: dict[str, Any] | None = None
    if binary:
        costs = Costs("USD", {"training": 500.0, "people: building": 1200.0})
        value = business_value(evidence, MONEY, choice=choice, costs=costs).to_json()
    elif task is Task.REGRESSION:
        money = ValueModel(cost_per_unit_error=2.5, decisions_per_year=10_000)
        value = business_value(evidence, money).to_json()
    interval = perf.interval
    report = {
        "model": "churn/v1",
        "project": "churn",
        "task": task.value,
        "metric": metric,
        "created_at": "2024-05-01T12:00:00+00:00",
        "summary": [baselines.verdict, overfit.message],
        "evidence": {"kind": "out-of-fold", "rows": ROWS, "folds": 5,
                     "sentence": f"out-of-fold predictions on {ROWS} rows, 5 folds"},
        "threshold": threshold.to_json() if binary else None,
        "primary": {"metric": metric, "value": interval.estimate, "ci_low": interval.low,
                    "ci_high": interval.high, "level": interval.level},
        "performance": perf.to_json(),
        "baselines": baselines.to_json(),
        "overfitting": overfit.to_json(),
        "slices": worst_slices(evidence, metric, threshold=cut).to_json(),
        "fairness": fairness(evidence, ["sex", "<script>"], threshold=cut).to_json(),
        "value": value,
        "explanations": _explanations(evidence.frame, evidence.target, outputs),
        "privacy": membership_risk(evidence).to_json(),
        "robustness": flip_rate(
            predict, evidence.frame, columns=list(FEATURES), task=task, threshold=cut, rows=200
        ).to_json(),
        "facts": perf.facts() | baselines.facts() | overfit.facts(),
    }  # fmt: skip
    stored: dict[str, Any] = json.loads(json.dumps(report, allow_nan=False))
    return stored


def _binary() -> dict[str, Any]:
    rng = np.random.default_rng(0)
    frame = _frame(rng, "churn", ["No"] * ROWS)
    p = 1 / (1 + np.exp(-_signal(frame) + 1.5))
    y = (rng.random(ROWS) < p).astype(np.int64)
    frame = frame.with_columns(pl.Series("churn", np.where(y == 1, "Yes", "No")))
    oof = np.clip(p + rng.normal(0, 0.08, ROWS), 0.01, 0.99)
    fitted = np.clip(0.8 * oof + 0.2 * y, 0.01, 0.99)
    colour = frame["colour"].to_numpy()
    rule = np.where(colour == "red", 0.6, 0.3)
    baselines = {"prior": np.full(ROWS, y.mean()), "one_rule": rule}
    target = Target("churn", Task.BINARY, ("No", "Yes"))
    evidence = Evidence(
        target, frame, y, _two(oof), _two(fitted), {k: _two(v) for k, v in baselines.items()},
        np.arange(ROWS) % 5,
    )  # fmt: skip
    return _report(evidence, "roc_auc", ("Yes",))


def _two(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def _multiclass() -> dict[str, Any]:
    rng = np.random.default_rng(2)
    y = rng.integers(0, 3, ROWS)
    frame = _frame(rng, "plan", [["basic", "plus", "pro"][k] for k in y])
    logits = rng.normal(0, 1, (ROWS, 3)) + 1.5 * np.eye(3)[y]
    oof = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    prior = np.tile(np.bincount(y, minlength=3) / ROWS, (ROWS, 1))
    target = Target("plan", Task.MULTICLASS, ("basic", "plus", "pro"))
    evidence = Evidence(target, frame, y, oof, oof, {"prior": prior}, np.arange(ROWS) % 5)
    return _report(evidence, "log_loss", ("basic", "plus", "pro"))


def _regression() -> dict[str, Any]:
    rng = np.random.default_rng(3)
    frame = _frame(rng, "spend", [0.0] * ROWS)
    y = 50 + 10 * _signal(frame) + rng.normal(0, 3, ROWS)
    frame = frame.with_columns(pl.Series("spend", y))
    oof = y + rng.normal(0, 4, ROWS)
    target = Target("spend", Task.REGRESSION)
    baselines = {"prior": np.full(ROWS, y.mean())}
    evidence = Evidence(target, frame, y, oof, y + rng.normal(0, 2, ROWS), baselines)
    return _report(evidence, "rmse", ("spend",))


@pytest.fixture(scope="module")
def reports() -> dict[str, dict[str, Any]]:
    return {"binary": _binary(), "multiclass": _multiclass(), "regression": _regression()}


def _headings(page: str) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", page)


def _svgs(page: str) -> list[ET.Element]:
    found = re.findall(r"<svg\b.*?</svg>", page, flags=re.DOTALL)
    return [ET.fromstring(svg) for svg in found]  # noqa: S314 (our own output)


def _assert_offline(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>")
    assert "@media print" in page  # inline CSS only, print-ready
    assert not re.search(r"""(src|href)\s*=""", page)
    for forbidden in ("http://", "https://", "<script", "<link", "<img", "<iframe", "url("):
        assert forbidden not in page.lower()


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_every_task_renders_every_section_in_order(
    reports: dict[str, dict[str, Any]], task: str
) -> None:
    report = reports[task]
    page = render_evaluation_html(report, title="Evaluation of churn/v1")
    _assert_offline(page)
    assert _headings(page) == list(HEADINGS)
    assert "failed</span>" not in page  # every section of a real report shows
    assert "Report generated 2024-05-01T12:00:00+00:00" in page
    assert "out-of-fold predictions on 600 rows, 5 folds." in page
    # the headline comes first: the summary sentences before the first metric
    verdict = report["baselines"]["verdict"]
    assert page.index(verdict[:40]) < page.index("<h2>Primary metric</h2>")
    for svg in _svgs(page):
        assert svg.tag == "svg"
        assert svg.get("aria-label")
        assert svg.find("title") is not None


def test_binary_page_shows_its_charts_and_numbers(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["binary"]
    page = render_evaluation_html(report, title="t")
    labels = {svg.get("aria-label") for svg in _svgs(page)}
    assert "ROC curve: true positive rate against false positive rate" in labels
    assert "Precision-recall curve" in labels
    assert "Calibration: observed against predicted" in labels
    assert "Feature importance: share of the total effect" in labels
    assert "Value per 1,000 decisions (USD)" in labels
    assert "sex: measures per group" in labels
    assert '<table class="confusion">' in page
    threshold = report["threshold"]["value"]
    assert f"Confusion matrix of the decisions by threshold {threshold:.3f}." in page
    primary = report["primary"]
    assert f"ROC-AUC {primary['value']:.3f}" in page
    assert f"95% confidence interval {primary['ci_low']:.3f} to {primary['ci_high']:.3f}" in page
    verdict = "worth it here?</strong> The model beats the best simple baseline (one_rule)"
    assert f'<p class="verdict good"><strong>Is machine learning {verdict}' in page
    assert "Memorization risk is" in page
    assert report["value"]["summary"][1:] in page


def test_multiclass_and_regression_show_their_own_charts(
    reports: dict[str, dict[str, Any]],
) -> None:
    multi = render_evaluation_html(reports["multiclass"], title="t")
    labels = {svg.get("aria-label") for svg in _svgs(multi)}
    assert "Calibration: accuracy against confidence" in labels
    assert not any(label and label.startswith("ROC curve") for label in labels)
    assert "basic</th>" in multi  # a confusion matrix row
    assert "Not applicable to this model." in multi  # no business value for multiclass
    regression = render_evaluation_html(reports["regression"], title="t")
    labels = {svg.get("aria-label") for svg in _svgs(regression)}
    assert {"Residuals against predicted values", "Histogram of residual"} <= labels
    assert "Residual quantile" in regression
    assert "cost_per_unit_error" not in regression or "MAE" in regression


def test_values_from_the_report_are_escaped(reports: dict[str, dict[str, Any]]) -> None:
    page = render_evaluation_html(reports["binary"], title="<i>title</i>")
    _assert_offline(page)
    assert "&lt;script&gt;" in page  # the column, as a slice, a fairness attribute, a feature
    assert "<b>bold</b>" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<i>title</i>" not in page
    assert "&lt;i&gt;title&lt;/i&gt;" in page


def test_missing_and_failed_sections_render_plainly(reports: dict[str, dict[str, Any]]) -> None:
    report = dict(reports["binary"])
    none = render_evaluation_html({**report, **dict.fromkeys(SECTIONS)}, title="t")
    assert none.count("Not applicable to this model.") >= len(SECTIONS)
    assert _headings(none) == list(HEADINGS)
    failed = {key: {"error": f"{key} broke: <b>boom</b>"} for key in SECTIONS}
    page = render_evaluation_html({**report, **failed, "primary": None}, title="t")
    _assert_offline(page)
    for key in ("performance", "fairness", "privacy", "robustness", "value"):
        assert f"{key} broke: &lt;b&gt;boom&lt;/b&gt;" in page
    assert "Not available: baselines broke" in page  # the headline verdict says why


def test_malformed_and_empty_reports_do_not_crash() -> None:
    broken = {
        "task": "binary",
        "summary": "not a list",
        "performance": {"metrics": [1, 2], "roc": {"fpr": [0, None, "x"], "tpr": [0]}},
        "baselines": {"baselines": {"prior": None}, "interval": "?"},
        "fairness": {"attributes": [{"groups": [{"group": 1}, "junk"]}]},
        "explanations": {"importance": [{"feature": None}], "dependence": [{"points": [[1]]}]},
        "value": ["not", "an", "object"],
        "privacy": {"level": "high"},
        "robustness": {"most_sensitive": None},
        "slices": {"worst": [{"condition": None, "rows": float("nan")}]},
        "overfitting": {"share": "lots"},
        "primary": {"metric": None, "value": "x"},
    }
    page = render_evaluation_html(broken, title="broken")
    _assert_offline(page)
    assert _headings(page) == list(HEADINGS)
    assert "unreadable: list, not an object" in page
    empty = render_evaluation_html({}, title="empty")
    assert _headings(empty) == list(HEADINGS)
    assert "No headline findings were recorded." in empty


def test_rendering_is_deterministic(reports: dict[str, dict[str, Any]]) -> None:
    first = render_evaluation_html(reports["regression"], title="t")
    assert render_evaluation_html(reports["regression"], title="t") == first
