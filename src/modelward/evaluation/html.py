"""The evaluation report as one self-contained HTML page (inline CSS and SVG, no script, no URL).

The report is the stored JSON. Any section may be None (not applicable) or `{"error": ...}`
(that part failed), and a report stored by an older version may lack keys. So each section is
turned into a plain view holding every key the template reads (the template's undefined is
strict), and a section whose data cannot be shown says so in its place: the page always renders.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import Any

import jinja2
from markupsafe import Markup

from modelward.evaluation import charts
from modelward.evaluation.performance import fmt, metric_label

View = dict[str, Any]
Build = Callable[[Mapping[str, Any]], View]
# What malformed stored data raises while being read; anything else is a bug to surface.
_UNREADABLE = (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError)
_GROUP_KEYS = ("group", "rows", "share", "judged")
# The measures a fairness chart shows, by task: the first set whose first measure is present.
_CHARTED = (("selection_rate", "tpr"), ("accuracy",), ("mean_prediction", "mean_target"))
_TONES = {True: "good", False: "warning", "low": "good", "moderate": "warning", "high": "error"}


def render_evaluation_html(report: Mapping[str, Any], *, title: str) -> str:
    """The report as an HTML page titled `title`; every value from the report is escaped."""
    task = _text(report.get("task"))
    builders: dict[str, Build] = {
        "primary": lambda d: _pick(d, "metric", "value", "ci_low", "ci_high", "level"),
        "performance": functools.partial(_performance, task=task),
        "baselines": _baselines,
        "overfitting": _overfitting,
        "slices": _slices,
        "fairness": _fairness,
        "explanations": _explanations,
        "value": _value,
        "privacy": _privacy,
        "robustness": _robustness,
    }
    sections = {key: _section(report.get(key), build) for key, build in builders.items()}
    parts = [_part(_map(p)) for p in _list(report.get("parts"))]
    template = _environment().get_template("evaluation.html.j2")
    return template.render(title=title, head=_head(report), s=sections, parts=parts)


def _section(data: object, build: Build) -> View:
    if data is None:
        return {"state": "none"}
    if isinstance(data, Mapping) and "error" in data:
        return {"state": "error", "error": _text(data["error"])}
    if not isinstance(data, Mapping):
        return {"state": "error", "error": f"unreadable: {type(data).__name__}, not an object"}
    try:
        return {"state": "ok"} | build(data)
    except _UNREADABLE as exc:
        return {"state": "error", "error": f"this part of the report cannot be shown: {exc!r}"}


def _head(report: Mapping[str, Any]) -> View:
    """The header and the headline: who, what, the summary sentences, the baseline verdict."""
    baselines = report.get("baselines")
    verdict = None
    if isinstance(baselines, Mapping):
        failed = "error" in baselines
        text = _verdict(_sentence(baselines, "verdict"))
        tone = "warning" if failed else _TONES.get(baselines.get("beats_baseline"), "info")
        verdict = {"text": text, "tone": tone} if text else None
    value = report.get("value")
    if isinstance(value, Mapping) and value.get("baseline_verdict"):
        # Priced decisions are judged on value: that is the verdict the spec's gate reads.
        text = _verdict(_text(value["baseline_verdict"]))
        verdict = {"text": text, "tone": _TONES.get(value.get("beats_baseline"), "info")}
    head = {key: _text(report.get(key)) for key in ("model", "project", "task", "created_at")}
    return head | {
        "metric": metric_label(_text(report.get("metric"))),
        "summary": _strings(report.get("summary")),
        "verdict": verdict,
        "evidence": _sentence(report.get("evidence"), "sentence"),
        "threshold": _sentence(report.get("threshold"), "sentence"),
    }


def _performance(d: Mapping[str, Any], *, task: str) -> View:
    metrics = _map(d.get("metrics"))
    residuals = _map(d.get("residuals"))
    return _pick(d, "metric", "rows", "threshold") | {
        "metrics": list(metrics.items()),
        "charts": _performance_charts(d, task),
        "quantiles": list(_map(residuals.get("quantiles")).items()),
        "notes": _strings(d.get("notes")),
    }


def _performance_charts(d: Mapping[str, Any], task: str) -> list[View]:
    found: list[View] = []
    if roc := _map(d.get("roc")):
        chart = charts.roc_chart(_list(roc.get("fpr")), _list(roc.get("tpr")))
        found.append(_figure("roc", chart))
    if pr := _map(d.get("pr")):
        base = _map(d.get("metrics")).get("positive_rate")
        chart = charts.pr_chart(_list(pr.get("recall")), _list(pr.get("precision")), base_rate=base)
        found.append(_figure("pr", chart))
    if bins := [_map(b) for b in _list(d.get("calibration"))]:
        labels = ("Confidence", "Accuracy") if task == "multiclass" else ("Predicted", "Observed")
        columns = ([b.get(k) for b in bins] for k in ("predicted", "observed", "rows"))
        chart = charts.calibration_chart(*columns, x_label=labels[0], y_label=labels[1])
        found.append(_figure("calibration", chart))
    confusion = _map(d.get("confusion"))
    if counts := _list(confusion.get("counts")):
        table = charts.confusion_table(_list(confusion.get("classes")), counts)
        found.append(_figure("confusion", table))
    return found + _residual_charts(_map(d.get("residuals")))


def _residual_charts(residuals: Mapping[str, Any]) -> list[View]:
    if not residuals:
        return []
    sample, histogram = _map(residuals.get("sample")), _map(residuals.get("histogram"))
    scatter = charts.residual_chart(_list(sample.get("predicted")), _list(sample.get("residual")))
    edges, counts = _list(histogram.get("edges")), _list(histogram.get("counts"))
    bars = charts.histogram_chart(edges, counts, x_label="Residual")
    return [_figure("scatter", scatter), _figure("histogram", bars)]


def _baselines(d: Mapping[str, Any]) -> View:
    interval = _map(d.get("interval"))
    best = d.get("best")
    scores = [(name, score, name == best) for name, score in _map(d.get("baselines")).items()]
    return _pick(d, "metric", "rows", "model_score", "gain") | {
        "verdict": _verdict(_text(d.get("verdict"))),
        "scores": scores,
        "interval": _pick(interval, "low", "high", "level"),
        "tone": _TONES.get(d.get("beats_baseline"), "info"),
        "notes": _strings(d.get("notes")),
    }


def _overfitting(d: Mapping[str, Any]) -> View:
    view = _pick(d, "metric", "rows", "train_score", "valid_score", "gap", "share", "message")
    return view | {"tone": "warning" if d.get("overfitting") else "good"}


def _slices(d: Mapping[str, Any]) -> View:
    worst = [_pick(_map(s), "condition", "rows", "score", "gap") for s in _list(d.get("worst"))]
    view = _pick(d, "metric", "overall", "min_rows", "examined")
    return view | {"worst": worst, "notes": _strings(d.get("notes"))}


def _fairness(d: Mapping[str, Any]) -> View:
    attributes = [_attribute(_map(a)) for a in _list(d.get("attributes"))]
    view = _pick(d, "threshold", "min_group_rows")
    return view | {"attributes": attributes, "notes": _strings(d.get("notes"))}


def _attribute(a: Mapping[str, Any]) -> View:
    groups = [_map(g) for g in _list(a.get("groups"))]
    ms = list(dict.fromkeys(k for g in groups for k in g if k not in _GROUP_KEYS))
    name = _text(a.get("name"))
    charted = next((c for c in _CHARTED if c[0] in ms), ())
    series = [(_measure(m), [g.get(m) for g in groups]) for m in charted if m in ms]
    # A lone column's groups read as "female = 1"; an intersection's already name their columns.
    single = len(_list(a.get("columns"))) == 1
    labels = [f"{name} = {g.get('group')}" if single else g.get("group") for g in groups]
    chart = charts.group_chart(name, labels, series) if series and groups else None
    return {
        "name": name,
        "summary": _text(a.get("summary")),
        "differences": [(k.replace("_", " "), v) for k, v in _map(a.get("differences")).items()],
        "measures": [_measure(m) for m in ms],
        "groups": [_pick(g, *_GROUP_KEYS) | {"values": [g.get(m) for m in ms]} for g in groups],
        "chart": chart,
        "caption": " and ".join(name for name, _ in series) + " of each group",
        "notes": _strings(a.get("notes")),
    }


def _explanations(d: Mapping[str, Any]) -> View:
    outcome = _text(d.get("outcome")) or "the prediction"
    importance = [_map(i) for i in _list(d.get("importance"))]
    features, shares = [i.get("feature") for i in importance], [i.get("share") for i in importance]
    dependence = [
        charts.dependence_chart(_text(p.get("feature")), _list(p.get("points")), outcome=outcome)
        for p in map(_map, _list(d.get("dependence")))
    ]
    return _pick(d, "rows") | {
        "outcome": outcome,
        "drivers": _strings(d.get("drivers")),
        "methods": _strings(d.get("methods")),
        "importance": charts.importance_chart(features, shares) if importance else None,
        "dependence": dependence,
    }


_FAIRNESS_NAMES = {
    "demographic_parity_difference": "parity gap",
    "equal_opportunity_difference": "opportunity gap",
    "equalized_odds_difference": "odds gap",
}


def _value(d: Mapping[str, Any]) -> View:
    decision = _map(d.get("decision"))
    currency = _text(d.get("currency"))
    bounded = [k for k in _map(decision.get("bounds")) if k in _FAIRNESS_NAMES]
    rows = _list(decision.get("options")) + _list(decision.get("baselines"))
    if not rows:  # regression: policies are the model, the baselines and the mean
        rows = _list(d.get("policies"))
    chosen = decision.get("chosen", "model")
    policies = [_policy_row(_map(p), bounded, chosen) for p in rows]
    pairs = [(p["name"], p["value_per_1000"]) for p in policies if p["value_per_1000"] is not None]
    costs = _map(d.get("costs"))
    keys = ("summary", "gain_per_1000", "value_per_year", "decisions_per_year", "horizon_years")
    return _pick(d, *keys) | {
        "currency": currency,
        "policies": policies,
        "bounded": [_FAIRNESS_NAMES[k] for k in bounded],
        "bounds": [_map(decision.get("bounds"))[k] for k in bounded],
        "degenerate": _text(decision.get("degenerate")) if decision.get("degenerate") else "",
        "break_even": decision.get("break_even"),
        "fairness_cost": decision.get("fairness_cost_per_1000"),
        "chart": charts.value_chart(pairs, currency=currency) if pairs else None,
        "costs": [(str(k), v) for k, v in _map(costs.get("parts")).items()],
        "cost_total": costs.get("total"),
        "returns": _sentence(d.get("returns"), "sentence"),
        "assumptions": _strings(d.get("assumptions")),
    }


def _policy_row(p: Mapping[str, Any], bounded: list[str], chosen: object) -> View:
    fairness = _map(p.get("fairness"))
    return _pick(p, "value_per_1000", "threshold", "acted_share", "within_bounds") | {
        "name": _text(p.get("name")),
        "kind": _text(p.get("kind", "model")).replace("_", " "),
        "chosen": p.get("name") == chosen,
        "gaps": [fairness.get(k) for k in bounded],
    }


def _privacy(d: Mapping[str, Any]) -> View:
    keys = ("auc", "advantage", "member_loss", "nonmember_loss", "paired_share", "rows", "message")
    return _pick(d, *keys, "level") | {"tone": _TONES.get(d.get("level"), "info")}


def _robustness(d: Mapping[str, Any]) -> View:
    sensitive = [
        _pick(_map(f), "column", "flip_rate", "mean_change") for f in _list(d.get("most_sensitive"))
    ]
    view = _pick(d, "flip_rate", "mean_prediction_change", "rows", "scale", "message")
    return view | {"sensitive": sensitive, "unperturbed": _strings(d.get("unperturbed"))}


def _part(d: Mapping[str, Any]) -> View:
    """A forecast's or segmentation's report part (see `evaluation.parts`), charts drawn."""
    tables = [
        {
            "caption": _text(t.get("caption")),
            "columns": _strings(t.get("columns")),
            "rows": [_list(row) for row in _list(t.get("rows"))],
        }
        for t in map(_map, _list(d.get("tables")))
    ]
    figures = [
        {"title": _text(c.get("title")), "chart": charts.part_chart(c)}
        for c in map(_map, _list(d.get("charts")))
    ]
    return {
        "title": _text(d.get("title")),
        "sentences": _strings(d.get("sentences")),
        "tables": tables,
        "charts": [f for f in figures if f["chart"] is not None],
    }


# -- reading stored JSON tolerantly ---------------------------------------------------------


def _pick(d: Mapping[str, Any], *keys: str) -> View:
    return {key: d.get(key) for key in keys}


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _strings(value: object) -> list[str]:
    return [_text(v) for v in _list(value)]


def _sentence(value: object, key: str) -> str:
    """A section's sentence, or why it is missing when that section failed."""
    if isinstance(value, Mapping):
        return f"not available: {value['error']}" if "error" in value else _text(value.get(key))
    return _text(value)


def _measure(name: str) -> str:
    """A fairness measure's name in words: tpr -> TPR, selection_rate -> selection rate."""
    return name.upper() if name in ("tpr", "fpr") else metric_label(name)


def _verdict(text: str) -> str:
    """The baseline verdict as a sentence: "beats the best ..." needs its subject."""
    return f"the model {text}" if text.startswith("beats") else text


def _figure(kind: str, chart: Markup) -> View:
    """A chart and its kind, which names its caption in the template."""
    return {"kind": kind, "chart": chart}


# -- template filters -----------------------------------------------------------------------


def number(value: object, digits: int = 3) -> str:
    """A value for a table cell: 0.851, 12.34, 1,234; — for a missing one."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    return fmt(value, digits) if isinstance(value, float) else str(value)


def percent(value: object, digits: int = 1) -> str:
    """A share as a percentage: 0.1234 -> 12.3%."""
    return number(value) if (x := _finite(value)) is None else f"{x:.{digits}%}"


def sentence(value: object, capital: bool = False) -> str:
    """A finding as a sentence, ending with a full stop; `capital`: its first letter too (not
    where it may start with a column name, whose case is its own)."""
    text = _text(value).strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:] if capital else text
    return text if text[-1] in ".!?" else text + "."


def label(value: object) -> str:
    """A metric's name in words: `roc_auc` -> ROC-AUC."""
    return metric_label(_text(value))


def money(value: object) -> str:
    """An amount: 27,474 or 12.50."""
    if (x := _finite(value)) is None:
        return number(value)
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.2f}"


def _finite(value: object) -> float | None:
    if isinstance(value, float | int) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("modelward.evaluation", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(number=number, percent=percent, money=money, label=label, sentence=sentence)
    return env
