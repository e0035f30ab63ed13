"""The model card: one document a reviewer reads, gathered from every record of a model version.

It is read-only and records no event. Everything in it comes from what is stored: the project
spec, the training dataset version and its audit, the run and its lineage, the signed manifest,
the newest evaluation, the gates as they stand now, the reviews and the model's own events.
This module gathers those records and derives the judgements a card states (its limitations);
`card_sections` writes the Markdown, `card_html` makes it safe and renders the page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from modelward.audit import StoredAudit, latest_audit
from modelward.datasets import DatasetVersion, get_version
from modelward.errors import IntegrityError, NotFound
from modelward.events import GENESIS, Event, list_events
from modelward.model import EvaluationReport, StoredEvaluation, latest_evaluation
from modelward.registry import ModelVersion, check_signature, get_model
from modelward.review import card_sections
from modelward.review.card_html import md_text, render_card_html
from modelward.review.facts import facts_of
from modelward.review.gates import GateReport, check_gates
from modelward.review.records import Review
from modelward.review.service import reviews_of
from modelward.spec import ProjectSpec, get_project
from modelward.tracking import Run, get_run
from modelward.workspace import Workspace

T = TypeVar("T")
_SERIOUS = ("error", "warning")


@dataclass(frozen=True)
class CardSection:
    key: str
    title: str
    markdown: str

    def to_json(self) -> dict[str, str]:
        return {"key": self.key, "title": self.title, "markdown": self.markdown}


@dataclass(frozen=True)
class ModelCard:
    """A model version's card: its Markdown, its HTML page (`html`) and the facts it states."""

    model: str
    markdown: str
    sections: tuple[CardSection, ...]
    data: dict[str, Any]

    @property
    def html(self) -> str:
        return render_card_html(self.markdown, title=f"Model card: {self.model}")

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            **self.data,
            "sections": [s.to_json() for s in self.sections],
            "markdown": self.markdown,
        }


@dataclass(frozen=True)
class Sources:
    """Every record a card reads, fetched once; a missing run, dataset or audit is None."""

    model: ModelVersion
    spec: ProjectSpec
    evaluation: StoredEvaluation | None
    run: Run | None
    dataset: DatasetVersion | None
    audit: StoredAudit | None
    manifest: Mapping[str, Any]
    signature: str
    gates: GateReport
    reviews: list[Review]
    events: list[Event]
    head: Event | None

    @property
    def report(self) -> Mapping[str, Any] | None:
        return None if self.evaluation is None else self.evaluation.report

    def limitations(self) -> list[str]:
        """What a reader should not conclude from this card, in plain words."""
        return [*_evidence_limits(self), *_data_limits(self), *_gate_limits(self)]

    def stage_changes(self) -> list[dict[str, Any]]:
        """The model's moves between stages, read off its `model.stage_changed` events."""
        return [
            {"seq": e.seq, "time": e.time, "actor": e.actor, **_payload(e)}
            for e in self.events
            if e.action == "model.stage_changed"
        ]

    def refusals(self) -> list[dict[str, Any]]:
        """Attempts on this model that were refused (approving one's own model, say)."""
        return [
            {"seq": e.seq, "time": e.time, "actor": e.actor, "action": e.action, **_payload(e)}
            for e in self.events
            if e.action.endswith(".refused")
        ]

    def lineage(self) -> dict[str, Any]:
        run, model = self.run, self.model
        found = {} if run is None else dict(run.lineage)
        return {
            "run": None if run is None else run.uid,
            "run_name": None if run is None else run.name,
            "dataset": None if run is None else run.dataset,
            "dataset_sha256": None if self.dataset is None else self.dataset.content_hash,
            "git_sha": found.get("git_sha"),
            "python": found.get("python"),
            "platform": found.get("platform"),
            "machine": found.get("machine"),
            "packages": found.get("packages") or {},
            "seed": found.get("seed"),
            "manifest_sha256": model.manifest_sha256,
            "key_id": model.key_id,
            "signature": self.signature,
            "registered_at": model.created_at,
            "registered_by": model.created_by,
        }


def model_card(ws: Workspace, ref: str) -> ModelCard:
    """The card of `ref` as its records stand now. NotFound for an unknown model."""
    return card_of(gather(ws, get_model(ws, ref)))


def card_of(src: Sources) -> ModelCard:
    """The card written from records already gathered."""
    sections = tuple(
        CardSection(key, title, "\n".join(build(src)).strip() + "\n")
        for key, title, build in card_sections.SECTIONS
    )
    lines = [f"# Model card: {src.model.ref}", "", card_sections.header(src), ""]
    for number, section in enumerate(sections, start=1):
        lines += [f"## {number}. {section.title}", "", section.markdown]
    return ModelCard(src.model.ref, "\n".join(lines), sections, _data(src))


def gather(ws: Workspace, model: ModelVersion) -> Sources:
    """Every record of `model` a card reads; nothing here writes."""
    run = _optional(lambda: get_run(ws, model.run or ""), model.run is not None)
    wanted = run is not None and run.dataset is not None
    dataset = _optional(lambda: get_version(ws, run.dataset if run and run.dataset else ""), wanted)
    with ws.transaction() as conn:
        events = list_events(conn, subject=f"model/{model.ref}")
        newest = list_events(conn, limit=1, newest_first=True)
    spec = get_project(ws, model.project).spec
    evaluation = latest_evaluation(ws, model)
    audit = None if dataset is None else latest_audit(ws, dataset)
    return Sources(
        model=model,
        spec=spec,
        evaluation=evaluation,
        run=run,
        dataset=dataset,
        audit=audit,
        manifest=_manifest(ws, model),
        signature=_signature(ws, model),
        gates=check_gates(spec.gates, facts_of(evaluation, audit)),
        reviews=reviews_of(ws, model.ref),
        events=events,
        head=newest[0] if newest else None,
    )


def _optional(fetch: Callable[[], T], wanted: bool) -> T | None:
    # A run or dataset deleted since training leaves a card with less in it, not no card.
    try:
        return fetch() if wanted else None
    except NotFound:
        return None


def _manifest(ws: Workspace, model: ModelVersion) -> Mapping[str, Any]:
    try:
        found = json.loads(ws.blobs.read_bytes(model.manifest_sha256))
    except (NotFound, IntegrityError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _signature(ws: Workspace, model: ModelVersion) -> str:
    """`valid`, or why not: the row's signature checked against its signer's registered key,
    the signed manifest read back by its hash, and every file it lists present."""
    try:
        check_signature(ws.trusted_key(model.key_id), model)
        manifest = json.loads(ws.blobs.read_bytes(model.manifest_sha256))
        files = manifest.get("files") if isinstance(manifest, dict) else None
        missing = [
            name
            for name, entry in (files or {}).items()
            if not ws.blobs.exists(str(entry.get("sha256") if isinstance(entry, dict) else ""))
        ]
    except (IntegrityError, NotFound) as exc:
        return f"NOT VALID: {exc.message}"
    except ValueError:
        return "NOT VALID: its signed manifest is not JSON"
    if missing:
        gone = ", ".join(sorted(missing))
        return f"NOT VALID: file(s) {gone} missing from the blob store (`audit verify --blobs`)"
    return "valid"


def _payload(event: Event) -> dict[str, Any]:
    try:
        found = event.payload_data()
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _data(src: Sources) -> dict[str, Any]:
    evaluation = src.evaluation
    return {
        "project": src.model.project,
        "stage": src.model.stage.value,
        "as_of": {
            "seq": 0 if src.head is None else src.head.seq,
            "hash": GENESIS if src.head is None else src.head.hash,
        },
        "evaluation": None
        if evaluation is None
        else {"id": evaluation.id, "created_at": evaluation.created_at},
        "gates": src.gates.to_json(),
        "limitations": src.limitations(),
        "reviews": [r.to_json() for r in src.reviews],
        "stage_changes": src.stage_changes(),
        "refusals": src.refusals(),
        "lineage": src.lineage(),
    }


# -- Limitations: derived honestly from what was (and was not) measured --------------------


def _evidence_limits(src: Sources) -> list[str]:
    report = src.report
    if report is None:
        return [
            "Not evaluated: its performance, fairness and value are unknown; run "
            f"`modelward evaluate {src.model.ref}`."
        ]
    typed = EvaluationReport.from_json(report)
    evidence = typed.evidence
    if typed.has_parts:
        return [
            f"The evidence is {md_text(evidence.sentence or 'not recorded')}: from the "
            "same period as training, not a later one; confirm with monitoring in production.",
            *(
                ["The model does not beat its simple baselines on the primary metric."]
                if typed.facts.get("beats_baseline") == 0
                else []
            ),
        ]
    found = [
        f"The evidence is out-of-fold predictions on the training data "
        f"({_count(evidence.rows)} rows, {_count(evidence.folds)}-fold "
        "cross-validation), from the same period as training, not a later one: expect some "
        "decline on future data, and confirm with monitoring once outcomes are known."
    ]
    failed = typed.failed_sections()
    if failed:
        found.append(f"Parts of the evaluation failed and say nothing: {', '.join(failed)}.")
    return [*found, *_small_groups(typed.section("fairness")), *_flags(typed)]


def _flags(report: EvaluationReport) -> list[str]:
    """What the evaluation itself flagged: overfitting, no gain over a baseline, memorization."""
    found = []
    if report.overfitting.answer is True:
        found.append(f"Overfitting: {report.overfitting.sentence or 'flagged'}.")
    simple = "a simple rule does as well"
    in_value, on_metric = report.beats_baselines_in_value, report.beats_baselines
    if in_value.answer is False:
        found.append(f"Baselines: {in_value.sentence or simple}.")
    elif on_metric.answer is False and in_value.answer is None:
        found.append(f"Baselines: {on_metric.sentence or simple}.")
    if report.degenerate_policy:
        found.append(f"Decision policy: {report.degenerate_policy}.")
    risk = report.memorization
    if risk.level not in (None, "low"):
        found.append(f"Memorization: {risk.message or risk.level}.")
    return found


def _small_groups(fairness: Mapping[str, Any]) -> list[str]:
    least = fairness.get("min_group_rows", "?")
    found = []
    for attribute in _list(fairness.get("attributes")):
        small = [g for g in _list(_map(attribute).get("groups")) if _map(g).get("judged") is False]
        if small:
            named = ", ".join(f"{g.get('group')} ({g.get('rows')} rows)" for g in small)
            found.append(
                f"Too few rows to judge fairness (under {least}) for {attribute.get('name')}: "
                f"{named}; these groups are left out of its differences."
            )
    return found


def _data_limits(src: Sources) -> list[str]:
    found = []
    if not src.spec.sensitive:
        found.append("No sensitive attributes are named in the spec: fairness was not checked.")
    if src.run is None:
        found.append("No training run is on record: its data and lineage are unknown.")
    elif src.audit is None:
        found.append(f"The training data ({src.run.dataset or 'unknown'}) was never audited.")
    else:
        counts = src.audit.report.counts()
        serious = [f for f in src.audit.report.findings if f.severity.value in _SERIOUS]
        if serious:
            found.append(
                f"The training data's audit has {counts['error']} error(s) and "
                f"{counts['warning']} warning(s): "
                + "; ".join(f.message for f in serious[:3])
                + ("; ..." if len(serious) > 3 else ".")
            )
    return found


def _gate_limits(src: Sources) -> list[str]:
    failed = src.gates.failed
    if not failed:
        return []
    return [f"Fails {len(failed)} of {len(src.gates.results)} gate(s): {src.gates.summary()}."]


def _count(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else "?"


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
