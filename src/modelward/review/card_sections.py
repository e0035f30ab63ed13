"""The sections of a model card, each written as Markdown lines from the gathered records.

The stored evaluation is read defensively: any part may be None (not applicable), `{"error":
...}` (it failed) or, from an older version, lack a key; the card then says so in place of the
numbers. Every value that came from a user or the data passes through `md_text` or `num`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from modelward.evaluation import metric_label
from modelward.model import EvaluationReport
from modelward.review.card_html import md_text, num, table
from modelward.spec import ProjectSpec
from modelward.training import ForecastSetup, SearchSetup, SegmentSetup

if TYPE_CHECKING:
    from modelward.review.card import Sources

Lines = list[str]
Render = Callable[[Mapping[str, Any]], Lines]
WORST_SLICES = 3
TOP_FINDINGS = 5
NONE = "*none*"
TASKS = {
    "binary": "binary classification",
    "multiclass": "multiclass classification",
    "forecast": "demand forecast",
    "segment": "customer segmentation",
}
# Problem types judged by their own report parts, not by the tabular sections.
PROBLEMS = {"forecast": "a forecast", "segment": "a segmentation"}


def header(src: Sources) -> str:
    """The line under the title: where the model stands, and as of which event."""
    m, ev = src.model, src.evaluation
    head = "the start" if src.head is None else f"event {src.head.seq}"
    evaluated = "not evaluated" if ev is None else f"evaluated {ev.created_at[:19]}"
    return (
        f"*Project {md_text(m.project)}, version {m.version}, stage **{m.stage.value}**; "
        f"{evaluated}; gates: {md_text(src.gates.summary(), code=True)}. "
        f"As of {head} of the workspace's event chain.*"
    )


def intended_use(src: Sources) -> Lines:
    spec = src.spec
    label = "" if spec.positive_label is None else f", positive label {_code(spec.positive_label)}"
    task = TASKS.get(src.model.task, src.model.task)
    of = f"of {_code(spec.target or '-')}{label}"
    if src.model.task == "segment":
        of = "(no target)" if not spec.target else f"(outcome described: {_code(spec.target)})"
    return [
        f"- **Purpose:** {md_text(spec.description) or '*no description in the spec*'}",
        f"- **Task:** {task} {of}",
        f"- **Primary metric:** {metric_label(src.model.metric)}",
        f"- **Sensitive attributes:** {_names(spec.sensitive)}",
        f"- **Value model:** {_value_model(spec)}",
        f"- **Owners:** {_names(spec.owners)}",
        f"- **Approvers:** {_names(spec.approvers)}",
    ]


def data(src: Sources) -> Lines:
    version, audit = src.dataset, src.audit
    if version is None:
        return ["Unknown: " + ("no run" if src.run is None else "no dataset") + " on record."]
    source = _map(version.source)
    where = source.get("location") or source.get("query") or ""
    lines = [
        f"- **Dataset version:** {md_text(version.ref)}, sha256 `{version.content_hash}`",
        f"- **Size:** {version.n_rows:,} rows, {version.n_columns:,} columns",
        f"- **Source:** {md_text(source.get('kind', 'unknown'))} {md_text(where)}".rstrip(),
    ]
    if audit is None:
        return [*lines, f"- **Audit:** none; run `modelward data audit {version.ref}`"]
    counts = ", ".join(f"{n} {name}{'s' * (name != 'info')}" for name, n in _counts(src))
    who = f"{audit.created_at[:19]} by {md_text(audit.created_by)}"
    top = [f for f in audit.report.findings if f.severity.value != "info"][:TOP_FINDINGS]
    rows = [[f.severity.value, md_text(f.check), md_text(f.message, code=True)] for f in top]
    return [
        *lines,
        f"- **Audit** ({who}): {counts}",
        "",
        *_table(["severity", "check", "finding"], rows),
    ]


def design(src: Sources) -> Lines:
    summary = _map(src.model.summary)
    members = [_map(m) for m in _list(src.manifest.get("members")) or _list(summary.get("members"))]
    rows = [
        [
            md_text(m.get("family", "?")),
            num(m.get("weight")),
            md_text(m.get("runtime", "?")),
            md_text(_params(_map(m.get("params")))) or NONE,
        ]
        for m in members
    ]
    kind = "An ensemble of" if summary.get("ensemble") else "One model of"
    lines = [
        f"{kind} {len(rows)} member(s):",
        "",
        *_table(["family", "weight", "runtime", "params"], rows),
    ]
    notes = [f"  {line}" for line in _bullets(_list(summary.get("notes")))]
    return [*lines, f"- **Search:** {_search(src)}", *(["- **Notes:**", *notes] if notes else [])]


def evaluation(src: Sources) -> Lines:
    if src.report is None:
        return [_not_evaluated(src)]
    report = EvaluationReport.from_json(src.report)
    sentence = report.evidence.sentence
    lines = [_sentence(sentence), ""] if sentence else []
    primary = report.primary
    if primary is not None:
        label = metric_label(primary.metric or src.model.metric)
        ci = f" (95% CI {num(primary.ci_low)} to {num(primary.ci_high)})"
        lines += [f"**{label} {num(primary.value)}**{ci if primary.ci_low else ''}", ""]
    if report.has_parts:
        parts = _list(report.document["parts"])
        return [*lines, *(line for p in parts for line in _report_part(_map(p)))]
    lines += _part(src, "performance", "", _metrics)
    lines += _part(src, "baselines", "Baselines", _says("verdict"))
    lines += _part(src, "overfitting", "Overfitting", _says("message"))
    return [*lines, *_part(src, "slices", "Worst slices", _slices)]


def fairness(src: Sources) -> Lines:
    return _part(src, "fairness", "", _fairness, missing="no sensitive attributes in the spec")


def explanations(src: Sources) -> Lines:
    def render(part: Mapping[str, Any]) -> Lines:
        methods = [f"*Method: {md_text(m, code=True)}*" for m in _list(part.get("methods"))]
        return [*_bullets(_list(part.get("drivers"))), "", *methods]

    return _part(src, "explanations", "", render)


def value(src: Sources) -> Lines:
    def render(part: Mapping[str, Any]) -> Lines:
        report = EvaluationReport.from_json(src.report or {})
        threshold = None if report.threshold is None else report.threshold.sentence
        lines = [_sentence(part.get("summary", "")), ""]
        lines += [f"**Decision policy:** {_sentence(threshold)}", ""] if threshold else []
        if report.degenerate_policy:
            lines += [f"**Degenerate policy:** {_sentence(report.degenerate_policy)}", ""]
        lines += ["Assumptions:", "", *_bullets(_list(part.get("assumptions"))), ""]
        returns = _map(part.get("returns")).get("sentence")
        return [*lines, f"**Returns:** {_sentence(returns or 'not computed')}"]

    return _part(src, "value", "", render, missing="no value model in the spec")


def risks(src: Sources) -> Lines:
    memorization = _part(src, "privacy", "Memorization", _says("message"))
    return [*memorization, *_part(src, "robustness", "Robustness", _says("message"))]


def limitations(src: Sources) -> Lines:
    return _bullets(src.limitations()) or ["None found in the records."]


def gates(src: Sources) -> Lines:
    report = src.gates
    if not report.results:
        return ["No gates in the spec: nothing is required of this model."]
    rows = [
        [
            md_text(r.gate),
            num(r.value, 4),
            "pass" if r.passed else "**FAIL**",
            md_text(r.description),
        ]
        for r in report.results
    ]
    verdict = "All gates pass." if report.passed else f"{len(report.failed)} gate(s) fail."
    return [*_table(["gate", "value", "result", "why"], rows), verdict]


def history(src: Sources) -> Lines:
    m = src.model
    reviews = [
        [r.created_at[:19], r.decision.past, md_text(r.actor), md_text(r.role), md_text(r.comment)]
        for r in src.reviews
    ]
    moves = [
        [
            str(c["time"])[:19],
            f"{md_text(c.get('from', '?'))} → {md_text(c.get('to', '?'))}",
            md_text(c["actor"]),
            md_text(c.get("approved_by") or "-"),
            md_text(c.get("override") or c.get("replaced_by") or "-"),
        ]
        for c in src.stage_changes()
    ]
    refused = [
        f"- {str(r['time'])[:19]} {md_text(r['actor'])}, `{r['action']}`: "
        + md_text(r.get("reason", ""), code=True)
        for r in src.refusals()
    ]
    return [
        "### Reviews",
        "",
        *(_table(["when", "decision", "by", "role", "comment"], reviews) or [NONE, ""]),
        "### Stage changes",
        "",
        f"Registered {m.created_at[:19]} by {md_text(m.created_by)} as a candidate.",
        "",
        *_table(["when", "move", "by", "approved by", "note"], moves),
        *(["### Refused attempts", "", *refused] if refused else []),
    ]


def lineage(src: Sources) -> Lines:
    found = dict(src.lineage())
    packages = sorted(_map(found.pop("packages", {})).items())
    rows = [[key.replace("_", " "), num(v)] for key, v in found.items()]
    return table(["what", "value"], [*rows, ["packages", md_text(_pairs(packages)) or "n/a"]])


# -- helpers ----------------------------------------------------------------------------------


def _part(
    src: Sources, key: str, title: str, render: Render, *, missing: str = "not measured"
) -> Lines:
    """One part of the evaluation rendered, or a line saying why it is not there."""
    lead = f"**{title}:** " if title else ""
    part = None if src.report is None else src.report.get(key)
    problem = PROBLEMS.get(src.model.task)
    if src.report is None:
        body = [_not_evaluated(src)]
    elif problem is not None and part is None:
        body = [f"*not applicable to {problem}*"]
    elif not isinstance(part, Mapping):
        body = [f"*{missing}*"]
    elif "error" in part:
        body = [f"not computed: this part failed ({md_text(part['error'])})"]
    else:
        body = render(part)
    if lead and body and not body[0].startswith(("|", "- ")):
        return [lead + body[0], *body[1:], ""]
    return [*([lead, ""] if lead else []), *body, ""]


def _report_part(part: Mapping[str, Any]) -> Lines:
    """A forecast's or segmentation's report part: its title, sentences and tables."""
    lines = [f"**{md_text(part.get('title', ''))}**", ""]
    lines += [_sentence(s) for s in _list(part.get("sentences")) if s]
    for t in map(_map, _list(part.get("tables"))):
        rows = [[num(v, 4) for v in _list(row)] for row in _list(t.get("rows"))]
        caption = f"*{md_text(t.get('caption', ''))}*"
        lines += ["", caption, "", *_table(_list(t.get("columns")), rows)]
    return [*lines, ""]


def _says(key: str) -> Render:
    return lambda part: [md_text(part.get(key, "n/a"), code=True)]


def _metrics(part: Mapping[str, Any]) -> Lines:
    found = _map(part.get("metrics")).items()
    rows = [[metric_label(str(k)), num(v, 4)] for k, v in found if isinstance(v, int | float)]
    return _table(["metric", "value"], rows)


def _slices(part: Mapping[str, Any]) -> Lines:
    worst = [_map(s).get("sentence") or _map(s).get("condition") for s in _list(part.get("worst"))]
    return _bullets([w for w in worst if w][:WORST_SLICES]) or [NONE]


def _fairness(part: Mapping[str, Any]) -> Lines:
    attributes = [_map(a) for a in _list(part.get("attributes"))]
    names = list(dict.fromkeys(k for a in attributes for k in _map(a.get("differences"))))
    rows = [
        [md_text(a.get("name", "?")), *(num(_map(a.get("differences")).get(k), 4) for k in names)]
        for a in attributes
    ]
    notes = [f"*{md_text(n, code=True)}*" for n in _list(part.get("notes"))]
    lines = _bullets([a.get("summary", a.get("name")) for a in attributes])
    return [*lines, "", *_table(["attribute", *(n.replace("_", " ") for n in names)], rows), *notes]


def _search(src: Sources) -> str:
    if src.run is None:
        return "no training run on record"
    p, m = src.run.params, src.run.metrics

    def field(value: object) -> str:
        return "?" if value is None else num(value)

    if src.model.task == "forecast":
        f = ForecastSetup.from_params(p)
        return (
            f"no search: one global LightGBM forecaster over {field(f.series)} series "
            f"({field(f.frequency)}), {field(f.horizon)} periods ahead, backtested from "
            f"{field(f.origins)} rolling origins; seed {field(f.seed)}; {field(f.rows)} rows"
        )
    if src.model.task == "segment":
        s = SegmentSetup.from_params(p)
        methods = ", ".join(md_text(name) for name in s.methods) or "?"
        return (
            f"{methods} with {field(s.min_segments)} to {field(s.max_segments)} segments, "
            f"chosen by silhouette among the stable ones; seed {field(s.seed)}; "
            f"{field(s.rows)} rows"
        )
    states = [
        f"{int(m['trials_' + s])} {s}"
        for s in ("complete", "pruned", "failed")
        if f"trials_{s}" in m
    ]
    total = int(m.get("trials_total", _map(src.model.summary).get("trials", 0)) or 0)
    setup = SearchSetup.from_params(p)
    limit = "no time budget" if setup.budget is None else f"a budget of {setup.budget:,g} s"
    asked = "" if setup.trials is None else f", {num(setup.trials)} trials asked"
    families = ", ".join(md_text(f) for f in setup.families) or "?"
    return (
        f"{total} trial(s) ({', '.join(states) or 'states unknown'}) over {families}; "
        f"{limit}{asked}; seed {field(setup.seed)}; executor {field(setup.executor)} with "
        f"{field(setup.workers)} worker(s); {field(setup.folds)}-fold cross-validation; "
        f"{field(setup.features)} features on {field(setup.rows)} rows"
    )


def _pairs(items: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{k} {v}" for k, v in items)


def _params(params: Mapping[str, Any]) -> str:
    shown = (
        f"{k}={num(v, 4) if isinstance(v, float) else json.dumps(v)}" for k, v in params.items()
    )
    return ", ".join(sorted(shown))


def _value_model(spec: ProjectSpec) -> str:
    value = spec.value
    if value is None:
        return "*none in the spec: business value is not measured*"
    text = value.describe() + "".join(f"; warning: {w}" for w in value.double_counting())
    volume = value.decisions_per_year
    volume_text = "an unstated number of" if volume is None else f"{volume:,.0f}"
    return f"{text}; {volume_text} decisions a year, over {value.horizon_years:g} year(s)"


def _counts(src: Sources) -> list[tuple[str, int]]:
    return [] if src.audit is None else list(src.audit.report.counts().items())


def _not_evaluated(src: Sources) -> str:
    return f"Not evaluated: run `modelward evaluate {src.model.ref}`."


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> Lines:
    return table(header, rows) if rows else []


def _sentence(value: object) -> str:
    """A sentence modelward wrote: capitalized, ending with a full stop."""
    text = md_text(value, code=True)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) or not text else text + "."


def _names(items: Sequence[str]) -> str:
    return ", ".join(md_text(item) for item in items) or NONE


def _code(value: object) -> str:
    """A value as a code span (literal inside), outside tables; only backticks need care."""
    return "`" + " ".join(str(value).split()).replace("`", "'") + "`"


def _bullets(items: Sequence[object]) -> Lines:
    return [f"- {md_text(item, code=True)}" for item in items]


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


Section = Callable[["Sources"], Lines]
SECTIONS: tuple[tuple[str, str, Section], ...] = (
    ("intended_use", "Intended use and business justification", intended_use),
    ("data", "Data", data),
    ("design", "Design", design),
    ("evaluation", "Evaluation", evaluation),
    ("fairness", "Fairness", fairness),
    ("explanations", "Explanations", explanations),
    ("value", "Business value", value),
    ("risks", "Memorization and robustness", risks),
    ("limitations", "Limitations", limitations),
    ("gates", "Gates", gates),
    ("history", "Approvals and stage history", history),
    ("lineage", "Lineage", lineage),
)
