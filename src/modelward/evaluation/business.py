"""The business summary of an evaluated model: what a manager and a risk officer act on.

A few plain lines, read from the stored evaluation: the decision policy and when acting pays,
the share of cases acted on, the value per year against the best policy without a model and
against the best simple baseline, what the fairness bounds cost, the total cost with people's
time, and the return on it. A degenerate policy is said first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelward.errors import NotFound
from modelward.evaluation.numbers import money
from modelward.model import policy_evaluation
from modelward.registry import get_model
from modelward.spec import get_project
from modelward.workspace import Workspace

FAIRNESS_WORDS = {
    "demographic_parity_difference": "the gap in selection rates between groups",
    "equal_opportunity_difference": "the gap in true positive rates between groups",
    "equalized_odds_difference": "the largest gap in true or false positive rates",
}


@dataclass(frozen=True)
class BusinessSummary:
    """The lines of the summary, and the figures they state (for `--json`)."""

    model: str
    lines: tuple[str, ...]
    figures: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"model": self.model, "summary": list(self.lines), "figures": dict(self.figures)}


def business_summary(ws: Workspace, ref: str) -> BusinessSummary:
    """The summary of the evaluation whose policy `ref` decides under (its approved one, else
    its newest); NotFound, naming the fix, when it has none."""
    model = get_model(ws, ref)
    stored = policy_evaluation(ws, model)
    if stored is None:
        raise NotFound(f"{model.ref} has not been evaluated; run `modelward evaluate {model.ref}`")
    report = stored.report
    value = report.get("value")
    if not isinstance(value, Mapping) or "error" in value:
        why = "no value model in the project's spec (add `value:` to price decisions)"
        if isinstance(value, Mapping):
            why = f"the value could not be measured: {value['error']}"
        return BusinessSummary(stored.model, (f"{stored.model}: not priced: {why}",), {})
    spec = get_project(ws, model.project).spec
    currency = str(value.get("currency", ""))
    warnings = [a for a in value.get("assumptions", []) if str(a).startswith("warning: ")]
    lines = [f"Warning: {str(w).removeprefix('warning: ')}." for w in warnings]
    if report.get("task") != "binary":
        lines += _errors(value, currency)
        return BusinessSummary(stored.model, tuple(lines), _figures(report, value, {}))
    decision = _map(value.get("decision"))
    if decision.get("degenerate"):
        lines.append(f"Warning: the decision policy is {decision['degenerate']}.")
    lines += _policy(report, value, decision)
    lines.append(_value(value, decision, currency))
    lines += _baseline(value)
    lines += _fairness(decision, spec.fairness_bounds(), value, currency)
    lines += _costs(value, currency)
    return BusinessSummary(stored.model, tuple(lines), _figures(report, value, decision))


def _figures(
    report: Mapping[str, Any], value: Mapping[str, Any], decision: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "threshold": _map(report.get("policy")).get("threshold"),
        "break_even": decision.get("break_even"),
        "acted_share": _map(value.get("model")).get("acted_share"),
        "value_per_year": value.get("value_per_year"),
        "fairness_cost_per_1000": decision.get("fairness_cost_per_1000"),
        "roi": value.get("roi"),
        "degenerate": bool(decision.get("degenerate")),
    }


def _errors(value: Mapping[str, Any], currency: str) -> list[str]:
    """A regression's or forecast's money: what its errors cost against predicting the mean."""
    model, reference = _map(value.get("model")), _map(value.get("reference"))
    cost = -float(model.get("value_per_1000") or 0.0)
    gain = float(value.get("gain_per_1000") or 0.0)
    better = "less" if gain >= 0 else "more"
    lines = [
        f"Errors cost {money(cost)} {currency} per 1,000 predictions: {money(abs(gain))} "
        f"{better} than {reference.get('name', 'predicting the mean')}.",
        _value(value, {"reference": reference.get("name", "predicting the mean")}, currency),
    ]
    return [*lines, *_baseline(value), *_costs(value, currency)]


def _policy(
    report: Mapping[str, Any], value: Mapping[str, Any], decision: Mapping[str, Any]
) -> list[str]:
    policy = _map(report.get("policy"))
    target = str(report.get("target", "the outcome"))
    act = policy.get("action") or f"decide {policy.get('act')}"
    threshold = policy.get("threshold")
    if policy.get("rule"):
        rule = f"{act} at a threshold per group of {', '.join(policy['rule']['columns'])}"
    elif isinstance(threshold, int | float) and threshold <= 1:
        rule = f"{act} when the probability of {target} is at least {threshold:.3f}"
    else:
        rule = f"{policy.get('otherwise')} for every case (acting never pays)"
    even = decision.get("break_even")
    pays = "" if even is None else f" (acting pays from {even:.3f})"
    lines = [f"Policy: {rule}{pays}."]
    share = _map(value.get("model")).get("acted_share")
    per_year = value.get("decisions_per_year")
    if isinstance(share, int | float) and isinstance(per_year, int | float):
        lines.append(
            f"Acts on {share:.0%} of cases: about {money(share * per_year)} of "
            f"{money(per_year)} decisions a year."
        )
    return lines


def _value(value: Mapping[str, Any], decision: Mapping[str, Any], currency: str) -> str:
    yearly = float(value.get("value_per_year") or 0.0)
    reference = str(decision.get("reference", "no model")).removeprefix("the ")
    ahead = "more" if yearly >= 0 else "less"
    assumed = any("assumed" in str(a) for a in value.get("assumptions", []))
    volume = " (the volume is assumed: set value.decisions_per_year)" if assumed else ""
    return (
        f"Value: {money(abs(yearly))} {currency} a year {ahead} than the best policy without a "
        f"model ({reference}){volume}."
    )


def _baseline(value: Mapping[str, Any]) -> list[str]:
    verdict = value.get("baseline_verdict")
    return [] if not verdict else [f"Compared with simple models: {verdict}."]


def _fairness(
    decision: Mapping[str, Any],
    wanted: Mapping[str, float],
    value: Mapping[str, Any],
    currency: str,
) -> list[str]:
    bounds = _map(decision.get("bounds"))
    if wanted and not bounds:
        return [
            "Fairness: the spec's bounds were not applied: the data has none of the sensitive "
            "columns the spec names."
        ]
    options = [_map(o) for o in decision.get("options", [])]
    chosen = next((o for o in options if o.get("name") == decision.get("chosen")), {})
    lines = []
    for measure, bound in bounds.items():
        found = _map(chosen.get("fairness")).get(measure)
        shown = "not measured" if found is None else f"{found:.3f}"
        words = FAIRNESS_WORDS.get(measure, measure)
        lines.append(f"Fairness: {words} is {shown} (bound {bound:g}).")
    cost = decision.get("fairness_cost_per_1000")
    if bounds and isinstance(cost, int | float):
        per_year = cost / 1000 * float(value.get("decisions_per_year") or 0.0)
        lines.append(
            "Meeting the fairness bounds costs nothing."
            if cost <= 0
            else f"Meeting the fairness bounds costs {money(per_year)} {currency} a year "
            f"({money(cost)} per 1,000 decisions)."
        )
    return lines


def _costs(value: Mapping[str, Any], currency: str) -> list[str]:
    costs = _map(value.get("costs"))
    parts = _map(costs.get("parts"))
    people = sum(float(v or 0) for k, v in parts.items() if str(k).startswith("people"))
    machines = sum(float(v or 0) for k, v in parts.items() if not str(k).startswith("people"))
    years = value.get("horizon_years")
    over = f"over {years:g} year(s)" if isinstance(years, int | float) else "over the horizon"
    lines = []
    if costs:
        lines.append(
            f"Cost {over}: {money(float(costs.get('total') or 0.0))} {currency} "
            f"(people's time {money(people)}; compute, storage and serving {money(machines)})."
        )
    returns = _map(value.get("returns")).get("sentence")
    if returns:
        lines.append(f"Return: {returns}.")
    return lines


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}
