"""Deployment use cases: create, route a canary or a shadow, promote, roll back.

Every change writes the new routes, a revision and an event in one transaction and bumps the
generation, which running servers watch: a switch takes effect without a restart, atomically.
Only a version that passed review (passing gates and a standing approval, or production) may
take real traffic, as primary or canary; a shadow's answers are never returned, so any version
of the same project may shadow.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any, NoReturn

from sqlalchemy import Connection, Row, insert, select, update

from modelward.backends.store import deployment_revisions, deployments
from modelward.errors import Conflict, InputError, ModelwardError, NotFound
from modelward.events import utc_now
from modelward.permissions import refuse, require
from modelward.registry import ModelVersion, Stage, get_model
from modelward.review import release_problems, replaced_version, rollback_production
from modelward.serving.records import Deployment, DeploymentOptions, Revision, RouteName, Routes
from modelward.workspace import Workspace

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


def create_deployment(
    ws: Workspace, name: str, model: str, *, options: DeploymentOptions | None = None
) -> Deployment:
    """A new endpoint serving `model` (a reference that passed review) as its primary."""
    name = check_name(name)
    require(ws, "deployment.create", f"deployment/{name}")
    with ws.transaction() as conn:
        if _row(conn, name) is not None:
            raise Conflict(f"deployment {name!r} exists; change it with `modelward deploy` verbs")
    version = _releasable(ws, "deployment.create", name, model, RouteName.PRIMARY)
    routes = Routes(version.ref)
    chosen = options or DeploymentOptions()
    now = utc_now()
    with ws.transaction() as conn:
        conn.execute(
            insert(deployments).values(
                name=name,
                routes=_json(routes.to_json()),
                options=_json(chosen.to_json()),
                generation=1,
                created_at=now,
                created_by=ws.actor,
                updated_at=now,
            )
        )
        _revise(ws, conn, name, 1, "create", routes, now)
    return get_deployment(ws, name)


def set_canary(ws: Workspace, name: str, model: str | None, *, weight: float) -> Deployment:
    """Send `weight`% of requests to `model` (None removes the canary)."""
    current = get_deployment(ws, name)
    if model is None:
        return _change(ws, current, "canary_removed", current.routes.with_canary(None, 0.0))
    if not 0.0 < weight <= 100.0:
        raise InputError.field("--weight", weight, "a percentage above 0 and at most 100")
    version = _releasable(ws, "deployment.canary", name, model, RouteName.CANARY)
    _same_project(current, version)
    return _change(ws, current, "canary_set", current.routes.with_canary(version.ref, weight))


def set_shadow(ws: Workspace, name: str, model: str | None) -> Deployment:
    """Mirror every request to `model` (scored and logged, never returned); None removes it."""
    current = get_deployment(ws, name)
    require(ws, "deployment.shadow", f"deployment/{name}")
    ref = None
    if model is not None:
        version = get_model(ws, model)
        _same_project(current, version)
        ref = version.ref
    shadowed = replace(current.routes, shadow=ref)
    return _change(ws, current, "shadow_set" if ref else "shadow_removed", shadowed)


def promote_canary(ws: Workspace, name: str) -> Deployment:
    """The canary becomes the primary and takes all traffic; the shadow stays."""
    current = get_deployment(ws, name)
    canary = current.routes.canary
    if canary is None:
        _refuse(ws, "deployment.promote", name, Conflict, f"{name} has no canary to promote")
    _releasable(ws, "deployment.promote", name, canary, RouteName.PRIMARY)
    return _change(ws, current, "promote", Routes(canary, shadow=current.routes.shadow))


def rollback(
    ws: Workspace, name: str, *, to: str | None = None, reason: str | None = None
) -> Deployment:
    """Undo the newest rollout: a running canary is withdrawn (the primary keeps all traffic);
    without one, the primary that served before the current one (or `to`) comes back. When
    that version was archived by a newer production version, `reason` restores it to
    production first (`rollback_production`: an approver's act, on its standing approval)."""
    current = get_deployment(ws, name)
    routes = current.routes
    if to is None and routes.canary is not None:
        return _change(ws, current, "rollback", Routes(routes.primary, shadow=routes.shadow))
    target = to or _previous_primary(ws, current)
    if target is None:
        reason = f"{name} has served only {routes.primary}; nothing to roll back to"
        _refuse(ws, "deployment.rollback", name, Conflict, reason)
    _restore_if_replaced(ws, name, get_model(ws, target), reason)
    version = _releasable(ws, "deployment.rollback", name, target, RouteName.PRIMARY)
    return _change(ws, current, "rollback", Routes(version.ref, shadow=routes.shadow))


def get_deployment(ws: Workspace, name: str) -> Deployment:
    with ws.transaction() as conn:
        row = _row(conn, name)
    if row is None:
        raise NotFound(f"no deployment {name!r}; create it with `modelward deploy create`")
    return Deployment.from_row(row)


def list_deployments(ws: Workspace) -> list[Deployment]:
    with ws.transaction() as conn:
        rows = conn.execute(select(deployments).order_by(deployments.c.name)).all()
    return [Deployment.from_row(row) for row in rows]


def generations(ws: Workspace) -> dict[str, int]:
    """Each deployment's generation: one cheap query that servers poll for changes."""
    with ws.transaction() as conn:
        rows = conn.execute(select(deployments.c.name, deployments.c.generation)).all()
    return {row.name: row.generation for row in rows}


def revisions(ws: Workspace, name: str) -> list[Revision]:
    """Every routing of the deployment, oldest first."""
    get_deployment(ws, name)
    query = (
        select(deployment_revisions)
        .join(deployments, deployments.c.id == deployment_revisions.c.deployment_id)
        .where(deployments.c.name == name)
        .order_by(deployment_revisions.c.generation)
    )
    with ws.transaction() as conn:
        rows = conn.execute(query).all()
    return [
        Revision(
            name,
            row.generation,
            row.action,
            Routes.from_json(json.loads(row.routes)),
            row.created_at,
            row.created_by,
        )
        for row in rows
    ]


def check_name(name: str) -> str:
    if not isinstance(name, str) or not NAME.match(name):
        raise InputError.field(
            "deployment name", name, "lower-case letters, digits, `_` or `-` (at most 64)"
        )
    return name


def _change(ws: Workspace, current: Deployment, action: str, routes: Routes) -> Deployment:
    require(ws, f"deployment.{action}", f"deployment/{current.name}")
    now = utc_now()
    with ws.transaction() as conn:
        # Compare-and-swap on the generation: two concurrent switches cannot both win.
        done = conn.execute(
            update(deployments)
            .where(deployments.c.name == current.name)
            .where(deployments.c.generation == current.generation)
            .values(
                routes=_json(routes.to_json()),
                generation=current.generation + 1,
                updated_at=now,
            )
        )
        if done.rowcount != 1:
            raise Conflict(f"deployment {current.name!r} changed meanwhile; look and try again")
        _revise(ws, conn, current.name, current.generation + 1, action, routes, now)
    return get_deployment(ws, current.name)


def _revise(
    ws: Workspace,
    conn: Connection,
    name: str,
    generation: int,
    action: str,
    routes: Routes,
    at: str,
) -> None:
    deployment_id = conn.execute(
        select(deployments.c.id).where(deployments.c.name == name)
    ).scalar_one()
    conn.execute(
        insert(deployment_revisions).values(
            deployment_id=deployment_id,
            generation=generation,
            action=action,
            routes=_json(routes.to_json()),
            created_at=at,
            created_by=ws.actor,
        )
    )
    payload = {"generation": generation, "routes": routes.to_json()}
    ws.record(conn, f"deployment.{action}", f"deployment/{name}", payload)


def _restore_if_replaced(
    ws: Workspace, name: str, target: ModelVersion, reason: str | None
) -> None:
    """A target that production archived comes back to production, given a reason."""
    if target.stage is not Stage.ARCHIVED:
        return
    try:
        production = get_model(ws, f"{target.project}@production")
    except NotFound:
        return  # archived by hand: `_releasable` refuses it, saying so
    if replaced_version(ws, production) != target.ref:
        return  # not the version production replaced: `_releasable` refuses it, saying why
    if reason is None:
        why = (
            f"{target.ref} is archived ({production.ref} replaced it in production): add "
            f"--reason to bring it back to production as {name} rolls back"
        )
        _refuse(ws, "deployment.rollback", name, Conflict, why)
    rollback_production(ws, target.project, reason=reason)


def _previous_primary(ws: Workspace, current: Deployment) -> str | None:
    for revision in reversed(revisions(ws, current.name)):
        if revision.routes.primary != current.routes.primary:
            return revision.routes.primary
    return None


def _releasable(
    ws: Workspace, action: str, name: str, model: str, route: RouteName
) -> ModelVersion:
    version = get_model(ws, model)
    problems = release_problems(ws, version)
    if problems:
        reason = (
            f"{version.ref} may not be the {route.value} of {name}: only a version that passed "
            "review takes real traffic (" + "; ".join(problems) + "); a shadow may be any version"
        )
        _refuse(ws, action, name, Conflict, reason)
    return version


def _same_project(current: Deployment, version: ModelVersion) -> None:
    project = current.routes.primary.split("/")[0]
    if version.project != project:
        raise InputError.field(
            "model", version.ref, f"a version of project {project} (the primary's project)"
        )


def _refuse(
    ws: Workspace, action: str, name: str, error: type[ModelwardError], reason: str
) -> NoReturn:
    refuse(ws, action, f"deployment/{name}", reason, error)


def _row(conn: Connection, name: str) -> Row[Any] | None:
    return conn.execute(select(deployments).where(deployments.c.name == name)).first()


def _json(data: object) -> str:
    return json.dumps(data, sort_keys=True)
