"""Use cases for projects: create, update, list, show. Each write is one transaction + event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from modelward.backends.store import projects
from modelward.errors import Conflict, InputError, NotFound
from modelward.events import utc_now
from modelward.permissions import require
from modelward.spec.load import load_spec_file, parse_spec
from modelward.spec.model import ProjectSpec
from modelward.workspace import Workspace


@dataclass(frozen=True)
class Project:
    """A registered project and its current spec."""

    id: int
    name: str
    spec: ProjectSpec
    created_at: str
    created_by: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "spec": self.spec.to_json(),
            "created_at": self.created_at,
            "created_by": self.created_by,
            "updated_at": self.updated_at,
            "warnings": list(self.spec.warnings()),
        }


def project_from_file(ws: Workspace, path: Path, *, update: bool = False) -> Project:
    """Create (or update) the project a spec file describes. An invalid spec is refused with
    one line per wrong field, and the refused attempt is recorded as an event.
    """
    try:
        spec = load_spec_file(path)
    except InputError as exc:
        action = "project.update.refused" if update else "project.create.refused"
        with ws.transaction() as conn:
            ws.record(conn, action, f"file/{path.name}", {"reason": exc.message})
        raise
    return update_project(ws, spec) if update else create_project(ws, spec)


def create_project(ws: Workspace, spec: ProjectSpec) -> Project:
    """Register a project; creating one that exists with the same spec returns it unchanged.

    Needs the scientist role (or a workspace without registered users)."""
    require(ws, "project.create", f"project/{spec.name}")
    with ws.transaction() as conn:
        existing = _find(conn, spec.name)
        if existing is not None:
            if existing.spec == spec:
                return existing
            raise Conflict(
                f"project {spec.name!r} exists with another spec; "
                "use `modelward project update` to change it"
            )
        now = utc_now()
        conn.execute(
            insert(projects).values(
                name=spec.name,
                spec=_dump(spec),
                created_at=now,
                created_by=ws.actor,
                updated_at=now,
            )
        )
        ws.record(conn, "project.created", f"project/{spec.name}", {"spec": spec.to_json()})
        return _get(conn, spec.name)


def update_project(ws: Workspace, spec: ProjectSpec) -> Project:
    """Replace a project's spec; the event keeps the old and the new spec, and what changed.

    Needs the scientist role (or a workspace without registered users)."""
    require(ws, "project.update", f"project/{spec.name}")
    with ws.transaction() as conn:
        old = _get(conn, spec.name)
        if old.spec == spec:
            return old
        conn.execute(
            update(projects)
            .where(projects.c.name == spec.name)
            .values(spec=_dump(spec), updated_at=utc_now())
        )
        before, after = old.spec.to_json(), spec.to_json()
        changed = sorted(k for k in {*before, *after} if before.get(k) != after.get(k))
        ws.record(
            conn,
            "project.updated",
            f"project/{spec.name}",
            {"old": before, "new": after, "changed": changed},
        )
        return _get(conn, spec.name)


def get_project(ws: Workspace, name: str) -> Project:
    with ws.transaction() as conn:
        return _get(conn, name)


def list_projects(ws: Workspace) -> list[Project]:
    with ws.transaction() as conn:
        rows = conn.execute(select(projects).order_by(projects.c.name)).all()
    return [_record(row) for row in rows]


def find_project(conn: Connection, name: str) -> Project | None:
    return _find(conn, name)


def _get(conn: Connection, name: str) -> Project:
    project = _find(conn, name)
    if project is None:
        raise NotFound(f"project {name!r} not found; create it with `modelward project create`")
    return project


def _find(conn: Connection, name: str) -> Project | None:
    row = conn.execute(select(projects).where(projects.c.name == name)).first()
    return None if row is None else _record(row)


def _record(row: Row[Any]) -> Project:
    spec = parse_spec(json.loads(row.spec), source=f"stored spec of {row.name}")
    return Project(row.id, row.name, spec, row.created_at, row.created_by, row.updated_at)


def _dump(spec: ProjectSpec) -> str:
    return json.dumps(spec.to_json(), sort_keys=True)
