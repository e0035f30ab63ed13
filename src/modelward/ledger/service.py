"""The ledger use case: every project's costs, value realized and ROI, and the portfolio.

Each model version is a line (its training run, its bundle kept in storage, the requests it
served); what no single model shows is a line of its own per project, so hidden costs are seen:
runs that registered no model (failed or abandoned searches), the project's dataset versions
kept in storage, and monitoring passes. Reading the ledger changes nothing and records no event.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from functools import reduce

import polars as pl

from modelward.errors import InputError
from modelward.ledger.costs import ASSUMPTIONS, SECONDS_PER_MONTH, estimated, gb_months, price
from modelward.ledger.records import (
    Costs,
    CurrencyTotal,
    Ledger,
    Line,
    LineKind,
    ProjectLedger,
    Realized,
    Roi,
    Usage,
)
from modelward.ledger.usage import ModelRow, Snapshot, snapshot
from modelward.ledger.value import Pricing, realized, roi
from modelward.model import people_cost
from modelward.spec import Prices, Project, ProjectSpec, get_project, list_projects
from modelward.workspace import Workspace

NO_PROJECT = "(no project)"
UNOWNED = "runs and datasets of no project, priced at the default price table"
VALUE_NOTES = (
    "value realized counts only served decisions whose outcome was reported as feedback; "
    "shadow answers were never acted on and are not counted",
    "value is incremental: what the decisions realized beyond the policy without a model the "
    "model's evaluation measured against (act on everyone, on nobody, or the incumbent rule), "
    "decided on the same rows; for a model never evaluated by value, the better of everyone "
    "and nobody; for errors, predicting the outcomes' mean",
    "ROI = (incremental value - cost) / cost; a project's and the portfolio's cost include the "
    "hidden costs (runs without a model, dataset storage, monitoring)",
    "people's time is priced from each spec's `people:` section: building, reviewing and "
    "approving once per model version, monitoring each month since a served model's "
    "registration",
)


def ledger(ws: Workspace, *, project: str | None = None, at: datetime | None = None) -> Ledger:
    """The ledger as of `at` (default: now): per project and per model version, costs priced by
    the project's price table, value realized under its value model, and ROI; the portfolio
    is totalled per currency, never across currencies.

    Raises NotFound for an unknown `project` and InputError for an `at` without a time zone.
    """
    moment = _moment(at)
    stamp = moment.isoformat(timespec="microseconds")
    chosen: Sequence[Project] = [get_project(ws, project)] if project else list_projects(ws)
    snap = snapshot(ws, stamp)
    books = [_project(p.name, p.spec, snap, moment) for p in chosen]
    if project is None and _has_unowned(snap):
        books.append(_project(NO_PROJECT, None, snap, moment))
    return Ledger(
        at=stamp,
        projects=tuple(books),
        portfolio=_portfolio(books),
        assumptions=(*ASSUMPTIONS, *VALUE_NOTES, *_gaps(snap, books, project)),
    )


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(UTC)
    if at.utcoffset() is None:
        raise InputError.field("at", at.isoformat(), "a time with a time zone, e.g. in UTC")
    return at.astimezone(UTC)


def _has_unowned(snap: Snapshot) -> bool:
    return any(r.project is None for r in snap.runs) or any(
        d.project is None for d in snap.datasets
    )


def _project(name: str, spec: ProjectSpec | None, snap: Snapshot, at: datetime) -> ProjectLedger:
    prices = spec.prices if spec is not None else Prices()
    models = [m for m in snap.models if m.project == name]
    lines = _model_lines(models, spec, prices, snap, at)
    hidden = [
        _other_runs(name, {m.run_id for m in models}, prices, snap),
        _stored_datasets(name, prices, snap, at),
    ]
    if spec is not None:
        hidden.append(_monitoring(name, prices, snap))
    costs = reduce(lambda a, b: a + b, (line.costs for line in (*lines, *hidden)), Costs())
    values = [_amount(line, prices) for line in lines]
    priced = [v for v in values if v is not None]
    value = sum(priced) if priced else None
    note = _currency_note(spec) if spec is not None else UNOWNED
    return ProjectLedger(
        project=name,
        currency=prices.currency,
        models=tuple(lines),
        hidden=tuple(hidden),
        costs=costs,
        value=value,
        roi=roi(
            value, costs.total, currency=prices.currency, why_no_value="no model's value is priced"
        ),
        notes=(note,) if note else (),
    )


def _model_lines(
    models: list[ModelRow],
    spec: ProjectSpec | None,
    prices: Prices,
    snap: Snapshot,
    at: datetime,
) -> list[Line]:
    cpu = {r.id: r.cpu_seconds or 0.0 for r in snap.runs}
    sharing = Counter(m.run_id for m in models if m.run_id is not None)
    lines = []
    for m in models:
        # A run that registered several versions is split evenly among them.
        training = cpu.get(m.run_id, 0.0) / sharing[m.run_id] if m.run_id is not None else 0.0
        served = snap.serving.get(m.ref)
        usage = Usage(
            training_cpu_seconds=training,
            storage_bytes=m.size_bytes,
            storage_gb_months=gb_months(m.size_bytes, m.created_at, at),
            requests=served.requests if served else 0,
            rows=served.rows if served else 0,
            serving_cpu_seconds=served.cpu_seconds if served else 0.0,
        )
        costs = price(usage, prices) + Costs(people=_people(spec, m, served is not None, at))
        value = _value(m, spec, snap.decisions, snap.references)
        notes = () if m.run_id is not None else ("registered without a run: no training cost",)
        lines.append(
            Line(
                kind=LineKind.MODEL,
                name=m.ref,
                project=m.project,
                currency=prices.currency,
                costs=costs,
                stage=m.stage,
                value=value,
                roi=_line_roi(value, costs, prices),
                estimates=estimated(usage),
                notes=notes,
            )
        )
    return lines


def _value(
    model: ModelRow,
    spec: ProjectSpec | None,
    served: pl.DataFrame,
    references: Mapping[str, str],
) -> Realized:
    pricing = Pricing(
        task=model.task,
        value_model=spec.value if spec is not None else None,
        positive=spec.positive_label if spec is not None else None,
        classes=model.classes,
        action=spec.action.name if spec is not None and spec.action is not None else None,
        reference=references.get(model.ref),
        incumbent=None if spec is None else spec.incumbent,
    )
    rows = served.filter(pl.col("model") == model.ref).select("decision", "label", "inputs")
    return realized(rows, pricing)


def _people(spec: ProjectSpec | None, model: ModelRow, served: bool, at: datetime) -> float:
    """People's time on one model version: once for it, and monitoring while it serves."""
    if spec is None or spec.people is None:
        return 0.0
    since = datetime.fromisoformat(model.created_at)
    months = max(0.0, (at - since).total_seconds()) / SECONDS_PER_MONTH if served else 0.0
    return sum(people_cost(spec.people, versions=1, months=months).values())


def _line_roi(value: Realized, costs: Costs, prices: Prices) -> Roi:
    if value.priced and value.currency != prices.currency:
        why = f"value in {value.currency}, costs in {prices.currency}"
        return roi(None, costs.total, currency=prices.currency, why_no_value=why)
    why = value.reason if not value.priced else "no policy without a model to measure against"
    return roi(value.incremental, costs.total, currency=prices.currency, why_no_value=why)


def _amount(line: Line, prices: Prices) -> float | None:
    """A line's incremental value as its project adds it, in the price table's currency."""
    if line.value is None or line.value.currency != prices.currency:
        return None
    return line.value.incremental


def _currency_note(spec: ProjectSpec) -> str:
    vm, prices = spec.value, spec.prices
    if vm is None or vm.currency == prices.currency:
        return ""
    return (
        f"the value model is in {vm.currency} and the price table in {prices.currency}: "
        "value is shown but left out of ROI; put both in one currency"
    )


def _other_runs(name: str, linked: set[int | None], prices: Prices, snap: Snapshot) -> Line:
    owner = None if name == NO_PROJECT else name
    found = [r for r in snap.runs if r.project == owner and r.id not in linked]
    usage = Usage(training_cpu_seconds=sum(r.cpu_seconds or 0.0 for r in found))
    statuses = Counter(r.status for r in found)
    said = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    notes = [f"{len(found)} run(s) without a registered model" + (f": {said}" if said else "")]
    untimed = sum(r.cpu_seconds is None for r in found)
    if untimed:
        notes.append(f"{untimed} of them recorded no CPU time (counted as 0)")
    return _hidden(LineKind.OTHER_RUNS, "other runs", name, usage, prices, notes)


def _stored_datasets(name: str, prices: Prices, snap: Snapshot, at: datetime) -> Line:
    owner = None if name == NO_PROJECT else name
    found = [d for d in snap.datasets if d.project == owner]
    usage = Usage(
        storage_bytes=sum(d.size_bytes for d in found),
        storage_gb_months=sum(gb_months(d.size_bytes, d.created_at, at) for d in found),
    )
    notes = [f"{len(found)} dataset version(s) kept (canonical Parquet)"]
    return _hidden(LineKind.DATASETS, "datasets", name, usage, prices, notes)


def _monitoring(name: str, prices: Prices, snap: Snapshot) -> Line:
    passes = snap.monitoring.get(name)
    usage = Usage(monitoring_cpu_seconds=passes.cpu_seconds if passes else 0.0)
    count, timed = (passes.passes, passes.timed) if passes else (0, 0)
    notes = [f"{count} monitoring pass(es) over the project's deployments"]
    if count > timed:
        notes.append(
            f"{count - timed} of them recorded no CPU time (counted as 0): monitor reports "
            "carry CPU time only in their report's `cpu_seconds` field"
        )
    return _hidden(LineKind.MONITORING, "monitoring", name, usage, prices, notes)


def _hidden(
    kind: LineKind, label: str, project: str, usage: Usage, prices: Prices, notes: Iterable[str]
) -> Line:
    return Line(
        kind=kind,
        name=label,
        project=project,
        currency=prices.currency,
        costs=price(usage, prices),
        estimates=estimated(usage),
        notes=tuple(notes),
    )


def _portfolio(books: Sequence[ProjectLedger]) -> tuple[CurrencyTotal, ...]:
    """One total per currency: amounts in different currencies are never added."""
    by_currency: dict[str, list[ProjectLedger]] = defaultdict(list)
    for book in books:
        by_currency[book.currency].append(book)
    totals = []
    for currency, group in sorted(by_currency.items()):
        costs = reduce(lambda a, b: a + b, (b.costs for b in group), Costs())
        values = [b.value for b in group if b.value is not None]
        value = sum(values) if values else None
        totals.append(
            CurrencyTotal(
                currency=currency,
                projects=tuple(b.project for b in group),
                costs=costs,
                value=value,
                roi=roi(value, costs.total, currency=currency, why_no_value="no value is priced"),
            )
        )
    return tuple(totals)


def _gaps(snap: Snapshot, books: Sequence[ProjectLedger], scope: str | None) -> tuple[str, ...]:
    """What the ledger could not count, said plainly."""
    gaps = []
    unsized = ", ".join(f"{n} {kind}" for kind, n in snap.unsized.items() if n)
    if unsized:
        gaps.append(
            f"storage counts model bundles and dataset versions only; not sized (no size is "
            f"recorded): {unsized}"
        )
    known = {line.name for book in books for line in book.models}
    unknown = sorted(
        ref for ref in set(snap.serving) - known if scope is None or ref.startswith(f"{scope}/")
    )
    if unknown:
        gaps.append(f"serving usage of models not in this ledger is left out: {', '.join(unknown)}")
    if len({b.currency for b in books}) > 1:
        gaps.append("projects are priced in different currencies: one portfolio total each")
    return tuple(gaps)
