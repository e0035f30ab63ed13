"""Assemble a model's evaluation report from its evidence: one section per question.

Each section is computed on its own; one that fails (an exotic model SHAP cannot read, say)
is reported as `{"error": ...}` and contributes no facts, so its gates fail rather than the
whole evaluation. The report is plain JSON; `facts` are the numbers gates read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import polars as pl

from modelward.evaluation.baselines import compare_baselines
from modelward.evaluation.costs import model_costs
from modelward.evaluation.explain import global_explanation, native_predictor
from modelward.evaluation.fairness import fairness
from modelward.evaluation.mitigation.postprocess import decision_view
from modelward.evaluation.numbers import json_float
from modelward.evaluation.overfit import overfit_check
from modelward.evaluation.performance import fmt, metric_label, performance
from modelward.evaluation.policies import Constraints, Judged, PolicyChoice, choose_policy
from modelward.evaluation.privacy import membership_risk
from modelward.evaluation.robustness import flip_rate
from modelward.evaluation.slices import worst_slices
from modelward.evaluation.threshold import Threshold
from modelward.evaluation.value import business_value
from modelward.events import utc_now
from modelward.model import DEFAULT_THRESHOLD, DecisionPolicy, Source
from modelward.registry import Bundle, ModelVersion
from modelward.spec import ProjectSpec, Task
from modelward.training import METRICS, DecisionRule, Evidence, Predictor

PARITY_FACT = "fairness.demographic_parity_difference"
EXPLAIN_ROWS = 1_000

Step = Callable[[str], None]


class Section(Protocol):
    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Inputs:
    """Everything an evaluation reads; nothing here is fetched twice."""

    model: ModelVersion
    spec: ProjectSpec
    evidence: Evidence
    bundle: Bundle
    training_cost: float | None
    folds_by: tuple[str | None, str | None] = (None, None)  # the group and time columns used


@dataclass(frozen=True)
class Report:
    body: dict[str, Any]
    facts: dict[str, float]


def build_report(inputs: Inputs, *, on_step: Step | None = None) -> Report:
    """Every section of the evaluation, the headline sentences and the flat facts."""
    step = on_step or (lambda _s: None)
    evidence, spec = inputs.evidence, inputs.spec
    chosen = _choice(inputs)
    choice = chosen if isinstance(chosen, PolicyChoice) else None
    policy = _decision_policy(inputs, choice)
    # Per-group thresholds are judged on their own decisions (a rescaled view of the evidence).
    decided, threshold = decision_view(
        evidence, None if policy is None else policy.rule, _threshold(policy, choice)
    )
    # A threshold above 1 acts on no row; the sections read decisions at 1 (the same rows).
    cut = min(threshold.value, 1.0) if evidence.target.task is Task.BINARY else None
    sections: dict[str, Callable[[], Section | None]] = {
        "performance": lambda: performance(evidence, threshold=cut, metric=inputs.model.metric),
        "baselines": lambda: compare_baselines(evidence, inputs.model.metric, threshold=cut),
        "overfitting": lambda: overfit_check(evidence, inputs.model.metric, threshold=cut),
        "slices": lambda: worst_slices(evidence, inputs.model.metric, threshold=cut),
        "fairness": lambda: _fairness(decided, spec, cut),
        "value": lambda: _value(inputs, chosen),
        "explanations": lambda: _explanations(inputs),
        "privacy": lambda: membership_risk(evidence),
        "robustness": lambda: _robustness(inputs, cut),
    }
    body: dict[str, Any] = _header(inputs, threshold)
    body["policy"] = None if policy is None else policy.to_json()
    facts: dict[str, float] = {}
    timings: dict[str, float] = {}
    for name, compute in sections.items():
        step(name)
        started = time.perf_counter()
        body[name], found = _run(compute)
        timings[name] = round(time.perf_counter() - started, 3)
        facts.update(found)
    facts.update(_primary_facts(facts, priced=spec.value is not None))
    body["mitigation"] = _mitigation(inputs, facts)
    body["primary"] = _primary(body)
    body["summary"] = _summary(body)
    body["facts"] = facts
    body["seconds"] = timings
    return Report(body, facts)


def _run(compute: Callable[[], Section | None]) -> tuple[dict[str, Any] | None, dict[str, float]]:
    try:
        section = compute()
    # A section that cannot be computed is shown as such; the others still stand.
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc}"}, {}
    if section is None:
        return None, {}
    facts = getattr(section, "facts", None)
    return section.to_json(), ({} if facts is None else dict(facts()))


def _choice(inputs: Inputs) -> PolicyChoice | str | None:
    """The decision policy chosen by value within the bounds (binary models with a value
    model; None otherwise); the error's text when it could not be chosen."""
    evidence, spec = inputs.evidence, inputs.spec
    value_model = spec.value
    if evidence.target.task is not Task.BINARY or value_model is None:
        return None
    if not value_model.is_outcomes:
        return None
    rows = evidence.shared
    judged = Judged.of(
        evidence.frame[rows], evidence.y[rows], evidence.oof[rows, 1], spec.sensitive
    )
    baselines = {name: p[rows, 1] for name, p in evidence.baselines.items()}
    try:
        return choose_policy(
            judged,
            value_model,
            evidence.target,
            constraints=Constraints.of(spec),
            baselines=baselines,
            rule=_model_rule(inputs),
        )
    # The other sections still stand; the value section says the policy could not be chosen.
    except Exception as exc:
        return f"the decision policy could not be chosen: {type(exc).__name__}: {exc}"


def _model_rule(inputs: Inputs) -> DecisionRule | None:
    found = inputs.bundle.manifest.get("decision")
    return None if found is None else DecisionRule.from_json(found)


def _decision_policy(inputs: Inputs, choice: PolicyChoice | None) -> DecisionPolicy | None:
    """The policy the runtime applies: the chosen option, else the model's rule, else 0.5."""
    target = inputs.evidence.target
    if target.task is not Task.BINARY:
        return None
    action = None if inputs.spec.action is None else inputs.spec.action.name
    own = _model_rule(inputs)
    rule = own if choice is None else choice.chosen.rule
    if rule is not None:
        source = Source.MODEL_RULE if own is not None else Source.EVALUATION
        return DecisionPolicy.of(target, rule.default, action=action, rule=rule, source=source)
    if choice is None or choice.chosen.threshold is None:
        return DecisionPolicy.of(target, DEFAULT_THRESHOLD, action=action, source=Source.DEFAULT)
    return DecisionPolicy.of(target, choice.chosen.threshold, action=action)


def _threshold(policy: DecisionPolicy | None, choice: PolicyChoice | None) -> Threshold:
    if policy is None:
        return Threshold(DEFAULT_THRESHOLD, "default", "no threshold applies: not a binary task")
    if choice is None:
        how = "the model's own rule" if policy.rule is not None else "default: no value model"
        return Threshold(policy.threshold, "default", f"{policy.describe()} ({how})")
    chosen = choice.chosen
    sentence = f"{policy.describe()} ({chosen.name}"
    if chosen.key == "rule":
        where = "within" if chosen.within_bounds else "outside"
        sentence += f", the model's own; {where} the fairness bounds" if choice.bounds else ""
    elif choice.bounds:
        kept = chosen is choice.unbounded
        sentence += ", which keeps within" if kept else ", the most valuable within"
        sentence += " the fairness bounds"
    sentence += ")"
    if choice.break_even is not None:
        sentence += f"; acting pays from a probability of {choice.break_even:.3f}"
    return Threshold(policy.threshold, "value", sentence)


def _primary_facts(facts: Mapping[str, float], priced: bool) -> dict[str, float]:
    """`beats_baseline` on the spec's primary criterion: value when the spec prices decisions
    (absent when value could not be measured), the metric otherwise."""
    key = "beats_baseline_value" if priced else "beats_baseline_metric"
    return {"beats_baseline": facts[key]} if key in facts else {}


def _fairness(evidence: Evidence, spec: ProjectSpec, cut: float | None) -> Section | None:
    present = [c for c in spec.sensitive if c in evidence.frame.columns]
    return fairness(evidence, present, threshold=cut) if present else None


def _value(inputs: Inputs, choice: PolicyChoice | str | None) -> Section | None:
    value_model = inputs.spec.value
    if value_model is None or inputs.evidence.target.task is Task.MULTICLASS:
        return None
    if isinstance(choice, str):
        raise ValueError(choice)
    costs = model_costs(inputs.spec, inputs.training_cost, inputs.model.size_bytes, _volume(inputs))
    warnings = inputs.spec.warnings()
    return business_value(
        inputs.evidence, value_model, choice=choice, costs=costs, warnings=warnings
    )


def _volume(inputs: Inputs) -> float:
    """Decisions a year: the spec's, else assumed as many as the training rows (as value is)."""
    value_model = inputs.spec.value
    stated = None if value_model is None else value_model.decisions_per_year
    return float(inputs.evidence.n_rows) if stated is None else stated


def _explanations(inputs: Inputs) -> Section:
    evidence = inputs.evidence
    rows = evidence.frame[evidence.scored]
    return global_explanation(native_predictor(inputs.bundle), rows, rows=EXPLAIN_ROWS)


def _robustness(inputs: Inputs, cut: float | None) -> Section:
    predictor = Predictor.from_bundle(inputs.bundle)
    columns = [c.name for c in predictor.schema.columns]
    frame: pl.DataFrame = inputs.evidence.frame
    return flip_rate(
        predictor.predict_array,
        frame,
        columns=columns,
        task=inputs.evidence.target.task,
        threshold=cut,
    )


def _fold_policy(group_column: str | None, time_column: str | None) -> str:
    """How the folds were cut, where it was not at random: in time order, or by group."""
    if time_column is not None:
        return f", time-ordered by `{time_column}`: trained on the past, checked on the future"
    if group_column is not None:
        return f", all rows of one `{group_column}` in the same fold"
    return ""


def _header(inputs: Inputs, threshold: Threshold) -> dict[str, Any]:
    evidence = inputs.evidence
    folds = int(evidence.folds.max()) + 1 if len(evidence.folds) else 0
    scored = len(evidence.scored)
    sentence = (
        f"measured on {scored:,} training rows, each predicted by a model fitted without it "
        f"({folds}-fold cross-validation of the same search and settings"
        f"{_fold_policy(*inputs.folds_by)})"
    )
    return {
        "model": inputs.model.ref,
        "project": inputs.model.project,
        "task": evidence.target.task.value,
        "metric": inputs.model.metric,
        "target": evidence.target.column,
        "classes": [str(c) for c in evidence.target.classes],
        "evidence": {"kind": "out-of-fold", "rows": scored, "folds": folds, "sentence": sentence},
        "threshold": threshold.to_json(),
        "created_at": utc_now(),
    }


def _primary(body: dict[str, Any]) -> dict[str, Any] | None:
    perf = body.get("performance")
    if not perf or "error" in perf:
        return None
    interval = perf.get("interval") or {}
    return {
        "metric": body["metric"],
        "value": interval.get("estimate"),
        "ci_low": interval.get("low"),
        "ci_high": interval.get("high"),
        "level": interval.get("level"),
    }


def _summary(body: dict[str, Any]) -> list[str]:
    """The headline sentences a reviewer reads first, in the order of the questions."""
    lines: list[str] = []
    primary = body.get("primary")
    if primary and primary.get("value") is not None:
        lines.append(_primary_sentence(primary))
    for name, key in (
        ("baselines", "verdict"),
        ("overfitting", "message"),
        ("value", "summary"),
        ("privacy", "message"),
        ("robustness", "message"),
        ("mitigation", "sentence"),
    ):
        section = body.get(name)
        if section and key in section:
            lines.append(str(section[key]))
    fair = body.get("fairness")
    if fair and "attributes" in fair:
        lines.extend(str(a["summary"]) for a in fair["attributes"])
    explained = body.get("explanations")
    if explained and explained.get("drivers"):
        lines.append(str(explained["drivers"][0]))
    failed = [name for name, part in body.items() if isinstance(part, dict) and "error" in part]
    if failed:
        lines.append(f"not evaluated (failed): {', '.join(failed)}")
    return lines


def _primary_sentence(primary: dict[str, Any]) -> str:
    text = f"{metric_label(primary['metric'])} {primary['value']:.3f}"
    if primary.get("ci_low") is not None and primary.get("ci_high") is not None:
        level = primary.get("level") or 0.95
        text += f" ({level:.0%} CI {primary['ci_low']:.3f} to {primary['ci_high']:.3f})"
    return text + " on out-of-fold predictions"


def trade_off(facts: Mapping[str, float], metric: str) -> dict[str, float | None]:
    """What a fairness mitigation trades: the primary metric, the fairness differences, value."""
    names = {
        metric: metric,
        "demographic_parity_difference": PARITY_FACT,
        "equalized_odds_difference": "fairness.equalized_odds_difference",
        "value_per_1000": "value_per_1000",
    }
    return {key: json_float(facts.get(name)) for key, name in names.items()}


def _mitigation(inputs: Inputs, facts: Mapping[str, float]) -> dict[str, Any] | None:
    """This version's trade-off against the version it mitigates (from the model's summary)."""
    found = inputs.model.summary.get("mitigation")
    if not isinstance(found, dict) or not isinstance(found.get("before"), dict):
        return None
    metric = inputs.model.metric
    before, after = found["before"], trade_off(facts, metric)
    currency = inputs.spec.value.currency if inputs.spec.value else ""
    label = str(found.get("label") or found.get("method"))
    sentence = _trade_sentence(label, before, after, metric, currency)
    head = {"method": found.get("method"), "from": found.get("from")}
    return head | {"before": before, "after": after, "sentence": sentence}


def _trade_sentence(
    label: str, before: dict[str, Any], after: dict[str, Any], metric: str, currency: str
) -> str:
    key = "demographic_parity_difference"
    old, new = before.get(key), after.get(key)
    if old is None or new is None:
        return f"{label}: demographic parity difference not measured"
    verb = "lowered" if new < old else "raised"
    text = f"{label} {verb} the demographic parity difference from {old:.3f} to {new:.3f}"
    direction = 1 if metric not in METRICS or METRICS[metric].greater_is_better else -1
    changes = {
        metric_label(metric): _change(before, after, metric, direction),
        f"{currency} per 1,000 decisions".strip(): _change(before, after, "value_per_1000", 1),
    }
    costs = [f"{fmt(-c)} {unit}" for unit, c in changes.items() if c is not None and c < 0]
    gains = [f"{fmt(c)} {unit}" for unit, c in changes.items() if c is not None and c > 0]
    if costs:
        text += f" at a cost of {' and '.join(costs)}"
    if gains:
        text += f" {'and' if costs else 'with'} a gain of {' and '.join(gains)}"
    return text


def _change(
    before: dict[str, Any], after: dict[str, Any], key: str, direction: int
) -> float | None:
    """How much better `after` is than `before` on `key` (negative: worse); None if unknown."""
    if before.get(key) is None or after.get(key) is None:
        return None
    return direction * (float(after[key]) - float(before[key]))
