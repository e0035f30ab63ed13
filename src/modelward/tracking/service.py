"""Use cases of tracking: start a run, read runs, list them as a leaderboard."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Row, Select, select

from modelward.backends.store import (
    dataset_versions,
    datasets,
    projects,
    run_latest,
    run_metrics,
    run_params,
    runs,
)
from modelward.errors import InputError, NotFound
from modelward.events import utc_now
from modelward.refs import check_name
from modelward.spec import get_project
from modelward.tracking.lineage import collect_lineage
from modelward.tracking.liveness import process_tag
from modelward.tracking.logger import ActiveRun
from modelward.tracking.records import MetricPoint, Run, RunStatus
from modelward.workspace import Workspace

MIN_PREFIX = 6


def start_run(
    ws: Workspace,
    *,
    name: str | None = None,
    project: str | None = None,
    dataset: str | None = None,
    tags: dict[str, str] | None = None,
    seed: int | None = None,
) -> ActiveRun:
    """Open a run for logging; use it as a context manager to have it finished for you."""
    # Imported here: reading runs (`runs list`) need not load the data libraries behind datasets.
    from modelward.datasets import get_version

    project_id = None if project is None else get_project(ws, project).id
    version_id = None if dataset is None else get_version(ws, dataset).id
    uid = uuid.uuid4().hex
    run_name = check_name(name, field="run name") if name else f"run-{uid[:8]}"
    lineage = collect_lineage(seed=seed)
    now = utc_now()
    row = {
        "uid": uid,
        "project_id": project_id,
        "name": run_name,
        "status": RunStatus.RUNNING.value,
        "dataset_version_id": version_id,
        "lineage": json.dumps(lineage, sort_keys=True),
        "tags": json.dumps(tags or {}, sort_keys=True),
        "started_at": now,
        "created_by": ws.actor,
        "owner": process_tag(),
        "heartbeat_at": now,
    }
    payload = {"name": run_name, "project": project, "dataset": dataset, "lineage": lineage}
    return ActiveRun(ws, row, payload)


def get_run(ws: Workspace, uid_or_prefix: str) -> Run:
    """A run by its id or an unambiguous prefix of at least six characters."""
    text = uid_or_prefix.strip().lower()
    if len(text) < MIN_PREFIX:
        raise InputError.field("run", uid_or_prefix, f"a run id or its first {MIN_PREFIX}+ chars")
    with ws.transaction() as conn:
        rows = conn.execute(_runs_query().where(runs.c.uid.startswith(text)).limit(2)).all()
        if not rows:
            raise NotFound(f"run {uid_or_prefix!r} not found; see `modelward runs list`")
        if len(rows) > 1:
            raise InputError.field("run", uid_or_prefix, "a longer prefix: several runs match")
        return _hydrate(conn, rows)[0]


def list_runs(
    ws: Workspace,
    *,
    project: str | None = None,
    sort: str | None = None,
    descending: bool = True,
    where: tuple[str, str, float] | None = None,
    limit: int = 50,
) -> list[Run]:
    """Runs, newest first or sorted by a metric's latest value, optionally filtered on one."""
    if limit < 1:
        raise InputError.field("--limit", limit, "a number >= 1")
    query = _runs_query()
    if project is not None:
        query = query.where(projects.c.name == project)
    if where is not None:
        query = _filtered(query, *where)
    query = _sorted(query, sort, descending).limit(limit)
    with ws.transaction() as conn:
        return _hydrate(conn, conn.execute(query).all())


def metric_history(ws: Workspace, uid_or_prefix: str, key: str) -> list[MetricPoint]:
    run = get_run(ws, uid_or_prefix)
    with ws.transaction() as conn:
        rows = conn.execute(
            select(run_metrics.c.key, run_metrics.c.step, run_metrics.c.value, run_metrics.c.time)
            .join(runs, runs.c.id == run_metrics.c.run_id)
            .where(runs.c.uid == run.uid, run_metrics.c.key == key)
            .order_by(run_metrics.c.step, run_metrics.c.time)
        ).all()
    return [MetricPoint(r.key, r.step, r.value, r.time) for r in rows]


OPERATORS = {
    ">": lambda col, v: col > v,
    ">=": lambda col, v: col >= v,
    "<": lambda col, v: col < v,
    "<=": lambda col, v: col <= v,
    "=": lambda col, v: col == v,
}


def _filtered(query: Select[Any], key: str, op: str, value: float) -> Select[Any]:
    if op not in OPERATORS:
        raise InputError.field("filter operator", op, f"one of {' '.join(OPERATORS)}")
    latest = run_latest.alias("filter_metric")
    return query.join(latest, (latest.c.run_id == runs.c.id) & (latest.c.key == key)).where(
        OPERATORS[op](latest.c.value, value)
    )


def _sorted(query: Select[Any], sort: str | None, descending: bool) -> Select[Any]:
    if sort is None:
        return query.order_by(runs.c.id.desc())
    latest = run_latest.alias("sort_metric")
    query = query.join(latest, (latest.c.run_id == runs.c.id) & (latest.c.key == sort))
    return query.order_by(latest.c.value.desc() if descending else latest.c.value, runs.c.id)


def _runs_query() -> Select[Any]:
    return (
        select(
            runs,
            projects.c.name.label("project"),
            datasets.c.name.label("dataset_name"),
            dataset_versions.c.version.label("dataset_version"),
        )
        .outerjoin(projects, projects.c.id == runs.c.project_id)
        .outerjoin(dataset_versions, dataset_versions.c.id == runs.c.dataset_version_id)
        .outerjoin(datasets, datasets.c.id == dataset_versions.c.dataset_id)
    )


def _hydrate(conn: Connection, rows: Sequence[Row[Any]]) -> list[Run]:
    """Attach params and latest metrics with two queries for the whole page."""
    ids = [row.id for row in rows]
    params: dict[int, dict[str, str]] = defaultdict(dict)
    metrics: dict[int, dict[str, float]] = defaultdict(dict)
    if ids:
        for p in conn.execute(select(run_params).where(run_params.c.run_id.in_(ids))):
            params[p.run_id][p.key] = p.value
        for m in conn.execute(select(run_latest).where(run_latest.c.run_id.in_(ids))):
            metrics[m.run_id][m.key] = m.value
    return [_run(row, params[row.id], metrics[row.id]) for row in rows]


def _run(row: Row[Any], params: dict[str, str], metrics: dict[str, float]) -> Run:
    dataset = None if row.dataset_name is None else f"{row.dataset_name}@{row.dataset_version}"
    return Run(
        uid=row.uid,
        name=row.name,
        status=RunStatus(row.status),
        project=row.project,
        dataset=dataset,
        started_at=row.started_at,
        ended_at=row.ended_at,
        wall_seconds=row.wall_seconds,
        cpu_seconds=row.cpu_seconds,
        created_by=row.created_by,
        params=params,
        metrics=metrics,
        tags=json.loads(row.tags),
        lineage=json.loads(row.lineage),
    )
