"""Use cases of the model registry: register a signed bundle, find versions, load verified bytes."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, insert, select

from modelward.access import load_or_create_key
from modelward.backends.store import model_versions, projects, runs
from modelward.errors import InputError, IntegrityError, NotFound, Tampered
from modelward.events import utc_now
from modelward.registry.bundle import (
    check_files,
    manifest_bytes,
    sign,
    store_files,
    verify_bundle,
)
from modelward.registry.records import Bundle, ModelVersion, Stage, model_ref
from modelward.registry.refs import ModelRef, parse_model_ref
from modelward.registry.rows import newest_first, next_version, to_record, versions_query
from modelward.spec import get_project
from modelward.workspace import Workspace

__all__ = [
    "Bundle",
    "ModelVersion",
    "Stage",
    "get_model",
    "list_models",
    "load_bundle",
    "register_model",
]

LIST_HINT = "see `modelward models list`"


def register_model(
    ws: Workspace,
    *,
    project: str,
    run_uid: str | None,
    task: str,
    metric: str,
    score: float | None,
    summary: dict[str, Any],
    input_schema: dict[str, Any],
    output_schema: dict[str, Any],
    manifest: dict[str, Any],
    files: Mapping[str, bytes],
) -> ModelVersion:
    """Store the files and their manifest as blobs, sign it, and record the next version.

    The new version is a `candidate`. Raises `NotFound` for an unknown project or run and
    `InputError` for a bad file name or a value that cannot be stored.
    """
    project_id = get_project(ws, project).id
    _check_text("task", task, 16)
    _check_text("metric", metric, 64)
    _check_score(score)
    columns = {
        "summary": _json_text("summary", summary),
        "input_schema": _json_text("input_schema", input_schema),
        "output_schema": _json_text("output_schema", output_schema),
    }
    check_files(files)
    # Blobs go first and outside the transaction: they are content-addressed, so a failed
    # registration leaves unreferenced blobs, never a version whose bytes are missing.
    entries = store_files(ws.blobs, files)
    text = manifest_bytes(manifest, entries)
    manifest_sha256 = ws.blobs.put_bytes(text)
    key = load_or_create_key(ws.settings.home)
    with ws.transaction() as conn:
        run_id = None if run_uid is None else _run_id(conn, run_uid, project, project_id)
        # Lock the project's row so that concurrent registrations take numbers one at a time
        # (SQLite's BEGIN IMMEDIATE already serializes them; this is for PostgreSQL).
        conn.execute(select(projects.c.id).where(projects.c.id == project_id).with_for_update())
        version = next_version(conn, project_id)
        ref = model_ref(project, version)
        conn.execute(
            insert(model_versions).values(
                project_id=project_id,
                version=version,
                run_id=run_id,
                stage=Stage.CANDIDATE.value,
                task=task,
                metric=metric,
                score=score,
                manifest_sha256=manifest_sha256,
                signature=sign(key, ref, manifest_sha256),
                key_id=key.key_id,
                size_bytes=len(text) + sum(e["size"] for e in entries.values()),
                created_at=utc_now(),
                created_by=ws.actor,
                **columns,
            )
        )
        payload = {
            "run": run_uid,
            "manifest_sha256": manifest_sha256,
            "key_id": key.key_id,
            "files": {name: entry["sha256"] for name, entry in entries.items()},
            "metric": metric,
            "score": score,
        }
        ws.record(conn, "model.registered", f"model/{ref}", payload)
        row = conn.execute(
            versions_query().where(
                model_versions.c.project_id == project_id, model_versions.c.version == version
            )
        ).one()
    return to_record(row)


def get_model(ws: Workspace, ref: str) -> ModelVersion:
    """A version by reference: `churn/v3`, `churn/3`, `churn@3`, `churn@production`, `churn`."""
    parsed = parse_model_ref(ref)
    query = versions_query().where(projects.c.name == parsed.project)
    if parsed.version is not None:
        query = query.where(model_versions.c.version == parsed.version)
    if parsed.stage is not None:
        query = query.where(model_versions.c.stage == parsed.stage.value)
    query = query.order_by(model_versions.c.version.desc()).limit(1)
    with ws.transaction() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(_missing(parsed))
    return to_record(row)


def list_models(
    ws: Workspace, *, project: str | None = None, stage: Stage | None = None
) -> list[ModelVersion]:
    """Model versions, newest first, optionally of one project and/or in one stage."""
    if project is not None:
        get_project(ws, project)
    query = versions_query()
    if project is not None:
        query = query.where(projects.c.name == project)
    if stage is not None:
        query = query.where(model_versions.c.stage == Stage(stage).value)
    with ws.transaction() as conn:
        rows = conn.execute(newest_first(query)).all()
    return [to_record(row) for row in rows]


def load_bundle(ws: Workspace, model: ModelVersion) -> Bundle:
    """The version's manifest and files, returned only once its signature and hashes check out.

    Raises `Tampered` naming the model and what failed; no unverified byte is ever returned.
    """
    try:
        key = ws.trusted_key(model.key_id)
    except IntegrityError as exc:
        raise Tampered(f"model {model.ref}: {exc.message}; refusing to load") from exc
    return verify_bundle(ws.blobs, key, model)


def _run_id(conn: Connection, uid: str, project: str, project_id: int) -> int:
    row = conn.execute(select(runs.c.id, runs.c.project_id).where(runs.c.uid == uid)).first()
    if row is None:
        raise NotFound(f"run {uid!r} not found; see `modelward runs list`")
    if row.project_id is not None and row.project_id != project_id:
        raise InputError.field("run_uid", uid, f"a run of project {project!r}")
    return int(row.id)


def _missing(parsed: ModelRef) -> str:
    if parsed.version is not None:
        return f"model {parsed} not found; {LIST_HINT}"
    if parsed.stage is not None:
        return f"project {parsed.project!r} has no model in stage {parsed.stage}; {LIST_HINT}"
    return f"project {parsed.project!r} has no model versions; {LIST_HINT}"


def _check_text(name: str, value: object, max_length: int) -> None:
    if not isinstance(value, str) or not 1 <= len(value) <= max_length:
        raise InputError.field(name, value, f"text of 1 to {max_length} characters")


def _check_score(score: object) -> None:
    if score is None:
        return
    if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
        raise InputError.field("score", score, "a finite number or None")


def _json_text(name: str, value: object) -> str:
    if not isinstance(value, dict):
        raise InputError.field(name, type(value).__name__, "a dict")
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError.field(name, str(exc), "JSON-serializable, finite values") from exc
