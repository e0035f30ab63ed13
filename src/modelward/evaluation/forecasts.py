"""The evaluation of a forecaster: its rolling-origin backtest against two honest baselines.

Every number here comes from forecasts made as the future would have found them: each origin's
model was fitted on the periods before it only. The baselines answer "is a model worth it?":
seasonal naive (the same period one season ago) and exponential smoothing (Holt-Winters). MASE
divides the error by the in-sample seasonal-naive error, so 1.0 means "no better than last
season's value" and 0.8 means 20% better.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from modelward.evaluation.numbers import json_float, money
from modelward.evaluation.parts import Chart, Part, Table, parts_json
from modelward.evaluation.performance import fmt
from modelward.evaluation.svg import as_float
from modelward.registry import Bundle, ModelVersion
from modelward.spec import ProjectSpec
from modelward.training import Evidence

METHODS = (
    ("model", "model"),
    ("seasonal_naive", "seasonal naive"),
    ("ets", "exponential smoothing"),
)
METRICS = ("mae", "rmse", "mase", "wape")
MAX_GROUP_ROWS = 20


def forecast_report(
    model: ModelVersion, bundle: Bundle, evidence: Evidence, spec: ProjectSpec | None = None
) -> tuple[dict[str, Any], dict[str, float]]:
    """The report body and its facts for a forecast version."""
    tested: Mapping[str, Any] = model.summary.get("backtest", {})
    overall: Mapping[str, Any] = tested.get("overall", {})
    facts = _facts(overall)
    horizon = int(tested.get("horizon", 0))
    origins = list(tested.get("origins", []))
    sentence = (
        f"measured on {int(tested.get('rows', 0)):,} forecasts from {len(origins)} rolling "
        f"origins, each {horizon} periods ahead, every origin's model fitted only on the "
        "periods before it"
    )
    described = bundle.manifest.get("forecast", {}).get("spec", {})
    parts = [
        _backtest_part(overall, tested),
        _steps_part(tested),
        _latest_part(evidence, described),
    ]
    parts += [_groups_part(tested)] if tested.get("per_group") else []
    value = _value_part(overall, spec)
    parts += [value[0]] if value else []
    if value:
        facts["value_gain_per_forecast"] = value[1]
    body = {
        "model": model.ref,
        "project": model.project,
        "task": model.task,
        "metric": model.metric,
        "target": evidence.target.column,
        "classes": [],
        "evidence": {"kind": "backtest", "rows": evidence.n_rows, "sentence": sentence},
        "primary": {"metric": model.metric, "value": json_float(facts.get(model.metric))},
        "parts": parts_json(parts),
        "summary": _summary(facts, tested),
        "facts": facts,
    }
    return body, facts


def _facts(overall: Mapping[str, Any]) -> dict[str, float]:
    facts: dict[str, float] = {}
    for method, _ in METHODS:
        for metric in METRICS:
            value = as_float(overall.get(method, {}).get(metric))
            if value is not None:
                facts[metric if method == "model" else f"{method}.{metric}"] = value
    naive, ets = facts.get("seasonal_naive.mase"), facts.get("ets.mase")
    mase = facts.get("mase")
    if mase is not None and naive:
        facts["mase_gain"] = 1.0 - mase / naive  # the bar: at least 0.2
    baselines = [v for v in (naive, ets) if v is not None]
    if mase is not None and baselines:
        facts["beats_baseline"] = 1.0 if mase < min(baselines) else 0.0
    coverage = as_float(overall.get("coverage"))
    if coverage is not None:
        facts["interval_coverage"] = coverage
    return facts


def _summary(facts: Mapping[str, float], tested: Mapping[str, Any]) -> list[str]:
    lines = []
    if "mase" in facts and "seasonal_naive.mase" in facts:
        lines.append(
            f"MASE {fmt(facts['mase'], 3)} against {fmt(facts['seasonal_naive.mase'], 3)} for "
            f"seasonal naive ({facts.get('mase_gain', 0.0):.0%} better) and "
            f"{fmt(facts.get('ets.mase', float('nan')), 3)} for exponential smoothing"
        )
    if "beats_baseline" in facts:
        verdict = "beats" if facts["beats_baseline"] else "does not beat"
        lines.append(f"the model {verdict} both baselines on MASE")
    if "interval_coverage" in facts:
        level = float(tested.get("level", 0.8))
        lines.append(
            f"its {level:.0%} prediction intervals held {facts['interval_coverage']:.0%} of the "
            "actual values"
        )
    return lines


def _backtest_part(overall: Mapping[str, Any], tested: Mapping[str, Any]) -> Part:
    rows = tuple(
        (shown, *(json_float(as_float(overall.get(method, {}).get(m))) for m in METRICS))
        for method, shown in METHODS
    )
    origins = ", ".join(str(o) for o in tested.get("origins", []))
    return Part(
        title="Backtest",
        sentences=(
            f"Rolling origins at {origins}; {tested.get('mase_scale', 'MASE scale')}",
            "Interval coverage counts the actual values inside each origin's intervals, which "
            "were calibrated on periods before that origin only",
        ),
        tables=(Table("Errors per method", ("Method", "MAE", "RMSE", "MASE", "WAPE"), rows),),
    )


def _steps_part(tested: Mapping[str, Any]) -> Part:
    steps: Sequence[Mapping[str, Any]] = tested.get("per_step", [])
    labels = tuple(str(s.get("step")) for s in steps)
    series = tuple(
        (shown, tuple(json_float(as_float(s.get(method, {}).get("mae"))) for s in steps))
        for method, shown in METHODS
    )
    coverage = tuple((str(s.get("step")), json_float(as_float(s.get("coverage")))) for s in steps)
    return Part(
        title="Error by periods ahead",
        sentences=("Mean absolute error of the forecasts 1, 2, … periods after their origin",),
        charts=(Chart("lines", "MAE by periods ahead", labels, series),),
        tables=(
            Table("Interval coverage by periods ahead", ("Periods ahead", "Coverage"), coverage),
        ),
    )


def _latest_part(evidence: Evidence, series: Mapping[str, Any]) -> Part:
    """The last origin's forecasts against what happened, for the first series."""
    time, groups = str(series.get("time", "")), [str(g) for g in series.get("groups", [])]
    frame = evidence.frame
    if time not in frame.columns or not len(evidence.folds):
        return Part(title="The latest origin", sentences=("No backtest rows to show",))
    last = evidence.folds == evidence.folds.max()
    rows = np.flatnonzero(last)
    if groups:
        first = frame.select(groups).row(int(rows[0]))
        same = frame.select(groups).gather(rows).rows()
        rows = rows[[row == first for row in same]]
    labels = tuple(str(v)[:10] for v in frame[time].gather(rows).to_list())
    series_values = [("actual", evidence.y), ("forecast", evidence.oof)]
    if "seasonal_naive" in evidence.baselines:
        series_values.append(("seasonal naive", evidence.baselines["seasonal_naive"]))
    lines = tuple(
        (name, tuple(json_float(float(v)) for v in values[rows])) for name, values in series_values
    )
    named = (
        ""
        if not groups
        else " (" + ", ".join(f"{g} {v}" for g, v in zip(groups, first, strict=True)) + ")"
    )
    return Part(
        title="The latest origin",
        charts=(
            Chart("lines", f"Actual and forecast after the latest origin{named}", labels, lines),
        ),
    )


def _groups_part(tested: Mapping[str, Any]) -> Part:
    groups: Sequence[Mapping[str, Any]] = tested.get("per_group", [])
    names = [k for k in groups[0] if not isinstance(groups[0][k], Mapping) and k != "coverage"]
    ranked = sorted(groups, key=lambda g: -(as_float(g.get("model", {}).get("mase")) or 0.0))
    rows = tuple(
        (
            " / ".join(str(g[k]) for k in names),
            json_float(as_float(g.get("model", {}).get("mase"))),
            json_float(as_float(g.get("seasonal_naive", {}).get("mase"))),
            json_float(as_float(g.get("model", {}).get("wape"))),
        )
        for g in ranked[:MAX_GROUP_ROWS]
    )
    columns = ("Series", "MASE", "Seasonal naive MASE", "WAPE")
    return Part(
        title="Per series, worst first",
        tables=(Table(f"The {len(rows)} series with the highest MASE", columns, rows),),
    )


def _value_part(overall: Mapping[str, Any], spec: ProjectSpec | None) -> tuple[Part, float] | None:
    """What the smaller errors are worth, when the spec prices a unit of error."""
    value = None if spec is None else spec.value
    if value is None or value.cost_per_unit_error is None:
        return None
    mae = as_float(overall.get("model", {}).get("mae"))
    naive = as_float(overall.get("seasonal_naive", {}).get("mae"))
    if mae is None or naive is None:
        return None
    gain = (naive - mae) * value.cost_per_unit_error
    sentence = (
        f"Each unit of error costs {money(value.cost_per_unit_error)} {value.currency}: the model "
        f"saves {money(gain)} {value.currency} per forecast against seasonal naive "
        f"(mean absolute error {fmt(mae, 3)} instead of {fmt(naive, 3)})"
    )
    if value.decisions_per_year:
        yearly = gain * value.decisions_per_year * value.horizon_years
        sentence += f", {money(yearly)} {value.currency} over {value.horizon_years:g} year(s)"
    return Part(title="Business value", sentences=(sentence,)), gain
