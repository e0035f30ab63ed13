"""Reading model versions out of the store: one query shape, one row-to-record mapping."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Row, Select, func, select

from modelward.backends.store import model_versions, projects, runs
from modelward.registry.records import ModelVersion, Stage


def versions_query() -> Select[Any]:
    """Every model version with its project's name and its run's uid."""
    return (
        select(
            model_versions,
            projects.c.name.label("project_name"),
            runs.c.uid.label("run_uid"),
        )
        .join(projects, projects.c.id == model_versions.c.project_id)
        .outerjoin(runs, runs.c.id == model_versions.c.run_id)
    )


def newest_first(query: Select[Any]) -> Select[Any]:
    return query.order_by(model_versions.c.id.desc())


def next_version(conn: Connection, project_id: int) -> int:
    """The project's next version number; the caller holds the project row's lock."""
    newest = conn.execute(
        select(func.max(model_versions.c.version)).where(model_versions.c.project_id == project_id)
    ).scalar()
    return 1 if newest is None else int(newest) + 1


def to_record(row: Row[Any]) -> ModelVersion:
    return ModelVersion(
        id=row.id,
        project=row.project_name,
        version=row.version,
        run=row.run_uid,
        stage=Stage(row.stage),
        task=row.task,
        metric=row.metric,
        score=row.score,
        summary=json.loads(row.summary),
        input_schema=json.loads(row.input_schema),
        output_schema=json.loads(row.output_schema),
        manifest_sha256=row.manifest_sha256,
        signature=row.signature,
        key_id=row.key_id,
        size_bytes=row.size_bytes,
        created_at=row.created_at,
        created_by=row.created_by,
    )
