"""What the ledger reads from the store, as of one time: models, runs, datasets, serving usage,
monitoring passes and served decisions with their outcomes. Reads only; nothing is priced here.

Times are compared as the ISO-8601 UTC text every writer stores (`utc_now()`), so "as of" is a
plain string comparison the database can index.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, and_, func, select

from modelward.backends.store import (
    audits,
    dataset_versions,
    datasets,
    evaluations,
    model_versions,
    monitor_reports,
    prediction_batches,
    projects,
    runs,
    serving_usage,
    trials,
)
from modelward.ledger.value import decisions
from modelward.model import policy_evaluation
from modelward.registry import get_model, model_ref, parse_model_ref
from modelward.serving import list_deployments, read_feedback, read_predictions
from modelward.workspace import Workspace

DECISIONS_SCHEMA = {
    "model": pl.String,
    "decision": pl.String,
    "label": pl.String,
    "inputs": pl.String,
}


@dataclass(frozen=True)
class ModelRow:
    project: str
    version: int
    stage: str
    task: str
    run_id: int | None
    size_bytes: int
    created_at: str
    classes: tuple[object, ...]

    @property
    def ref(self) -> str:
        return model_ref(self.project, self.version)


@dataclass(frozen=True)
class RunRow:
    id: int
    project: str | None
    status: str
    cpu_seconds: float | None  # its own process plus its trials; None when none was recorded


@dataclass(frozen=True)
class Stored:
    project: str | None
    size_bytes: int
    created_at: str


@dataclass(frozen=True)
class Served:
    requests: int
    rows: int
    cpu_seconds: float


@dataclass(frozen=True)
class Monitored:
    passes: int
    timed: int  # passes whose report carries its CPU time
    cpu_seconds: float


@dataclass(frozen=True)
class Snapshot:
    """Everything the ledger prices, read as of one time."""

    models: tuple[ModelRow, ...]
    runs: tuple[RunRow, ...]
    datasets: tuple[Stored, ...]
    serving: dict[str, Served]  # by model reference
    monitoring: dict[str, Monitored]  # by project
    decisions: pl.DataFrame  # model, decision, label, inputs: served rows with an outcome
    unsized: dict[str, int]  # blobs kept whose size is not recorded, by kind
    references: dict[str, str]  # by model: the policy without a model its evaluation chose


def snapshot(ws: Workspace, at: str) -> Snapshot:
    """Read every figure the ledger needs as of `at` (ISO-8601 UTC text)."""
    owners = _deployment_projects(ws)
    served = _decisions(ws, at, list(owners))
    with ws.transaction() as conn:
        models = _models(conn, at)
    references = _references(ws, {m.ref for m in models} & set(served["model"].unique()))
    with ws.transaction() as conn:
        return Snapshot(
            models=models,
            runs=_runs(conn, at),
            datasets=_datasets(conn, at),
            serving=_serving(conn, at),
            monitoring=_monitoring(conn, at, owners),
            decisions=served,
            unsized=_unsized(conn, at),
            references=references,
        )


def _models(conn: Connection, at: str) -> tuple[ModelRow, ...]:
    mv = model_versions
    query = (
        select(projects.c.name, mv.c.version, mv.c.stage, mv.c.task, mv.c.run_id)
        .add_columns(mv.c.size_bytes, mv.c.created_at, mv.c.output_schema)
        .join(projects, projects.c.id == mv.c.project_id)
        .where(mv.c.created_at <= at)
        .order_by(projects.c.name, mv.c.version)
    )
    return tuple(
        ModelRow(
            r.name,
            r.version,
            r.stage,
            r.task,
            r.run_id,
            r.size_bytes,
            r.created_at,
            _classes(r.output_schema),
        )
        for r in conn.execute(query)
    )


def _classes(output_schema: str) -> tuple[object, ...]:
    for column in json.loads(output_schema).get("columns", []):
        if column.get("name") == "prediction" and isinstance(column.get("classes"), list):
            return tuple(column["classes"])
    return ()


def _runs(conn: Connection, at: str) -> tuple[RunRow, ...]:
    query = (
        select(runs.c.id, projects.c.name, runs.c.status, runs.c.cpu_seconds)
        .outerjoin(projects, projects.c.id == runs.c.project_id)
        .where(runs.c.started_at <= at)
        .order_by(runs.c.id)
    )
    found = conn.execute(query).all()
    workers = _trial_seconds(conn, at)
    rows = []
    for r in found:
        parts = [s for s in (r.cpu_seconds, workers.get(r.id)) if s is not None]
        rows.append(RunRow(r.id, r.name, r.status, sum(parts) if parts else None))
    return tuple(rows)


def _trial_seconds(conn: Connection, at: str) -> dict[int, float]:
    """CPU seconds of each run's trials, which ran in worker processes the run's own process
    time does not include."""
    query = (
        select(trials.c.run_id, trials.c.info)
        .join(runs, runs.c.id == trials.c.run_id)
        .where(runs.c.started_at <= at)
    )
    totals: dict[int, float] = defaultdict(float)
    for run_id, info in conn.execute(query):
        seconds = json.loads(info).get("cpu_seconds")
        if isinstance(seconds, int | float):
            totals[run_id] += float(seconds)
    return dict(totals)


def _datasets(conn: Connection, at: str) -> tuple[Stored, ...]:
    dv = dataset_versions
    query = (
        select(projects.c.name, dv.c.size_bytes, dv.c.created_at)
        .select_from(dv.join(datasets, datasets.c.id == dv.c.dataset_id))
        .outerjoin(projects, projects.c.id == datasets.c.project_id)
        .where(dv.c.created_at <= at)
    )
    return tuple(Stored(r.name, r.size_bytes, r.created_at) for r in conn.execute(query))


def _serving(conn: Connection, at: str) -> dict[str, Served]:
    su = serving_usage
    query = (
        select(su.c.model, func.sum(su.c.requests), func.sum(su.c.rows), func.sum(su.c.cpu_seconds))
        .where(su.c.period_start < at)
        .group_by(su.c.model)
    )
    return {
        model: Served(int(requests or 0), int(rows or 0), float(cpu or 0.0))
        for model, requests, rows, cpu in conn.execute(query)
    }


def _monitoring(conn: Connection, at: str, owners: dict[str, str]) -> dict[str, Monitored]:
    query = select(monitor_reports.c.deployment, monitor_reports.c.report).where(
        monitor_reports.c.created_at <= at
    )
    passes: dict[str, list[float | None]] = defaultdict(list)
    for deployment, report in conn.execute(query):
        project = owners.get(deployment)
        if project is not None:
            passes[project].append(_cpu_seconds(report))
    return {
        project: Monitored(
            len(seconds),
            sum(s is not None for s in seconds),
            sum(s for s in seconds if s is not None),
        )
        for project, seconds in passes.items()
    }


def _cpu_seconds(report: str) -> float | None:
    try:
        data: Any = json.loads(report)
    except ValueError:
        return None
    seconds = data.get("cpu_seconds") if isinstance(data, dict) else None
    if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
        return None
    return float(seconds)


def _unsized(conn: Connection, at: str) -> dict[str, int]:
    """Blobs the ledger cannot size cheaply: their sizes are not recorded in the store."""
    counts = {
        "evaluation reports": select(func.count()).where(evaluations.c.created_at <= at),
        "audit reports": select(func.count()).where(audits.c.created_at <= at),
        "prediction log batches": select(func.count()).where(prediction_batches.c.created_at <= at),
        "training evidence": select(func.count()).where(
            and_(
                model_versions.c.created_at <= at,
                model_versions.c.summary.contains('"evidence"'),
            )
        ),
    }
    return {kind: int(conn.execute(query).scalar_one()) for kind, query in counts.items()}


def _references(ws: Workspace, refs: set[str]) -> dict[str, str]:
    """Each served model's reference policy: the key its applied evaluation measured against."""
    found = {}
    for ref in sorted(refs):
        evaluated = policy_evaluation(ws, get_model(ws, ref))
        key = None if evaluated is None else evaluated.typed_report.value_reference
        if key is not None:
            found[ref] = key
    return found


def _deployment_projects(ws: Workspace) -> dict[str, str]:
    """Each deployment's project: the one its primary model belongs to."""
    return {d.name: parse_model_ref(d.routes.primary).project for d in list_deployments(ws)}


def _decisions(ws: Workspace, at: str, deployments: list[str]) -> pl.DataFrame:
    parts = []
    for name in deployments:
        labels = read_feedback(ws, name).filter(pl.col("created_at") <= at)
        if labels.is_empty():
            continue  # no outcome reported: skip reading the log at all
        logged = read_predictions(ws, name, until=datetime.fromisoformat(at))
        parts.append(decisions(logged, labels))
    return pl.concat(parts) if parts else pl.DataFrame(schema=DECISIONS_SCHEMA)
