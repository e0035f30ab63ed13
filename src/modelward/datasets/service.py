"""Use cases of the datasets stage: add a version, find, list, load and diff versions."""

from __future__ import annotations

import difflib
import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Connection, Row, Select, insert, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from modelward.backends.store import dataset_versions, datasets, projects
from modelward.datasets.canonical import write_canonical
from modelward.datasets.contract import Contract, infer_contract
from modelward.datasets.diff import DatasetDiff, diff_frames
from modelward.datasets.records import AddResult, DatasetVersion
from modelward.datasets.sources import Source, make_source
from modelward.errors import Conflict, InputError, NotFound
from modelward.events import utc_now
from modelward.permissions import require
from modelward.refs import check_name, parse_ref
from modelward.spec import find_project
from modelward.workspace import Workspace

Step = Callable[[str], None]
RETRIES = 3


def add_dataset(
    ws: Workspace,
    path: str | Path | None = None,
    *,
    name: str | None = None,
    project: str | None = None,
    sql: str | None = None,
    db: str | None = None,
    encoding: str = "utf-8",
    required_columns: dict[str, str] | None = None,
    on_step: Step | None = None,
) -> AddResult:
    """Ingest data as a new immutable version of `name`; the same content returns the same one.

    `required_columns` maps a field name (e.g. `--target`) to a column the data must have.
    """
    step = on_step or (lambda _s: None)
    source = make_source(path, sql=sql, db=db, encoding=encoding)
    name = check_name(name or source.default_name() or "", field="--name")
    require(ws, "dataset.add", f"dataset/{name}")
    required = dict(required_columns or {})
    if project is not None:
        required = {**_project_columns(ws, project), **required}
    step("reading")
    frame = source.load(ws.settings.storage_options())
    require_columns(frame.columns, required, "the data")
    step("encoding")
    with _canonical_file(ws, frame) as (tmp, digest):
        existing = find_by_content(ws, name, digest)
        if existing is not None:
            return AddResult(existing, created=False, notes=("same content as " + existing.ref,))
        step("storing")
        # The blob goes first: a crash after it leaves an unreferenced blob, never a version
        # whose bytes are missing.
        ws.blobs.put_file(tmp, digest=digest)
        draft = _Draft(
            name, project, source, infer_contract(frame), digest, tmp.stat().st_size, frame.shape
        )
    step("recording")
    return AddResult(_record_version(ws, draft), created=True)


def get_version(ws: Workspace, ref: str) -> DatasetVersion:
    """Resolve `name` (latest) or `name@N`."""
    parsed = parse_ref(ref, field="dataset")
    if parsed.label is not None:
        raise InputError.field("dataset", ref, "NAME or NAME@VERSION (datasets have no labels)")
    with ws.transaction() as conn:
        query = _versions_query().where(datasets.c.name == parsed.name)
        if parsed.version is None:
            query = query.order_by(dataset_versions.c.version.desc()).limit(1)
        else:
            query = query.where(dataset_versions.c.version == parsed.version)
        row = conn.execute(query).first()
        if row is None:
            raise NotFound(_not_found(conn, parsed.name, ref))
        return _version(row)


def list_versions(
    ws: Workspace, *, name: str | None = None, project: str | None = None
) -> list[DatasetVersion]:
    query = _versions_query()
    if name is not None:
        query = query.where(datasets.c.name == name)
    if project is not None:
        query = query.where(projects.c.name == project)
    query = query.order_by(datasets.c.name, dataset_versions.c.version)
    with ws.transaction() as conn:
        return [_version(row) for row in conn.execute(query)]


def find_by_content(ws: Workspace, name: str, digest: str) -> DatasetVersion | None:
    with ws.transaction() as conn:
        row = conn.execute(
            _versions_query().where(
                datasets.c.name == name, dataset_versions.c.content_hash == digest
            )
        ).first()
        return None if row is None else _version(row)


def load_frame(ws: Workspace, version: DatasetVersion) -> pl.DataFrame:
    """The version's rows, read from its blob after the blob's hash was verified."""
    with ws.blobs.open_verified(version.content_hash) as path:
        return pl.read_parquet(path)


def diff_versions(ws: Workspace, old_ref: str, new_ref: str) -> DatasetDiff:
    old, new = get_version(ws, old_ref), get_version(ws, new_ref)
    return diff_frames(load_frame(ws, old), load_frame(ws, new), old.contract, new.contract)


def _project_columns(ws: Workspace, project: str) -> dict[str, str]:
    with ws.transaction() as conn:
        found = find_project(conn, project)
    if found is None:
        raise NotFound(
            f"--project: no project {project!r}; create it with `modelward project create`"
        )
    return {f"project {project}: {key}": col for key, col in found.spec.columns_named().items()}


def require_columns(columns: Sequence[str], required: Mapping[str, str], where: str) -> None:
    """Refuse, naming the field and close matches, a required column that `columns` lacks."""
    for field, column in required.items():
        if column not in columns:
            close = difflib.get_close_matches(column, columns, n=3)
            hint = (
                f"did you mean {', '.join(close)}?"
                if close
                else "columns are " + ", ".join(list(columns)[:20])
            )
            raise InputError(f"{field}: column {column!r} is not in {where}; {hint}")


@contextmanager
def _canonical_file(ws: Workspace, frame: pl.DataFrame) -> Iterator[tuple[Path, str]]:
    ws.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = ws.settings.tmp_dir / f"dataset-{uuid.uuid4().hex}.parquet"
    try:
        yield tmp, write_canonical(frame, tmp)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class _Draft:
    """A version about to be recorded: everything but its number and parent."""

    name: str
    project: str | None
    source: Source
    contract: Contract
    digest: str
    size: int
    shape: tuple[int, int]


def _record_version(ws: Workspace, draft: _Draft) -> DatasetVersion:
    # Two writers may race for the next version number; the unique constraints decide and the
    # loser retries (SQLite serializes writers anyway, PostgreSQL may not).
    for attempt in range(RETRIES):
        try:
            with ws.transaction() as conn:
                return _insert_version(ws, conn, draft)
        except DbIntegrityError as exc:
            if attempt == RETRIES - 1:
                message = f"dataset {draft.name!r} is being changed concurrently; try again"
                raise Conflict(message) from exc
    raise AssertionError("unreachable")


def _insert_version(ws: Workspace, conn: Connection, draft: _Draft) -> DatasetVersion:
    name, digest, shape = draft.name, draft.digest, draft.shape
    dataset_id = _dataset_id(ws, conn, name, draft.project)
    latest = conn.execute(
        select(dataset_versions.c.id, dataset_versions.c.version, dataset_versions.c.content_hash)
        .where(dataset_versions.c.dataset_id == dataset_id)
        .order_by(dataset_versions.c.version.desc())
        .limit(1)
    ).first()
    same = conn.execute(
        _versions_query().where(
            dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.content_hash == digest
        )
    ).first()
    if same is not None:
        return _version(same)
    number = 1 if latest is None else latest.version + 1
    conn.execute(
        insert(dataset_versions).values(
            dataset_id=dataset_id,
            version=number,
            content_hash=digest,
            n_rows=shape[0],
            n_columns=shape[1],
            size_bytes=draft.size,
            source=json.dumps(draft.source.describe(), sort_keys=True),
            contract=json.dumps(draft.contract.to_json(), sort_keys=True),
            parent_id=None if latest is None else latest.id,
            created_at=utc_now(),
            created_by=ws.actor,
        )
    )
    payload: dict[str, Any] = {
        "content_hash": digest,
        "rows": shape[0],
        "columns": shape[1],
        "source": draft.source.describe(),
        "parent": None if latest is None else f"{name}@{latest.version}",
    }
    ws.record(conn, "dataset.version.created", f"dataset/{name}@{number}", payload)
    row = conn.execute(
        _versions_query().where(
            dataset_versions.c.dataset_id == dataset_id, dataset_versions.c.version == number
        )
    ).one()
    return _version(row)


def _dataset_id(ws: Workspace, conn: Connection, name: str, project: str | None) -> int:
    row = conn.execute(select(datasets.c.id).where(datasets.c.name == name)).first()
    if row is not None:
        return int(row.id)
    project_id = None
    if project is not None:
        project_id = conn.execute(select(projects.c.id).where(projects.c.name == project)).scalar()
    result = conn.execute(
        insert(datasets).values(
            name=name, project_id=project_id, created_at=utc_now(), created_by=ws.actor
        )
    )
    ws.record(conn, "dataset.created", f"dataset/{name}", {"project": project})
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _versions_query() -> Select[Any]:
    parent = dataset_versions.alias("parent")
    return (
        select(
            dataset_versions,
            datasets.c.name,
            projects.c.name.label("project"),
            parent.c.version.label("parent_version"),
        )
        .join(datasets, datasets.c.id == dataset_versions.c.dataset_id)
        .outerjoin(projects, projects.c.id == datasets.c.project_id)
        .outerjoin(parent, parent.c.id == dataset_versions.c.parent_id)
    )


def _version(row: Row[Any]) -> DatasetVersion:
    return DatasetVersion(
        id=row.id,
        name=row.name,
        version=row.version,
        content_hash=row.content_hash,
        n_rows=row.n_rows,
        n_columns=row.n_columns,
        size_bytes=row.size_bytes,
        source=json.loads(row.source),
        contract=Contract.from_json(json.loads(row.contract)),
        parent=None if row.parent_version is None else f"{row.name}@{row.parent_version}",
        project=row.project,
        created_at=row.created_at,
        created_by=row.created_by,
    )


def _not_found(conn: Connection, name: str, ref: str) -> str:
    known = conn.execute(select(datasets.c.name)).scalars().all()
    if name not in known:
        close = difflib.get_close_matches(name, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; see `modelward data list`"
        return f"dataset {name!r} not found{hint}"
    return f"dataset version {ref} not found; see `modelward data list --name {name}`"
