"""Review use cases: approve or reject a model, move it between stages, archive it.

Separation of duties: whoever trained a model may not approve it. Promotion to production needs
every gate of the spec to pass and a standing approval by an approver; an admin may override
either with a written justification. Every decision, move and refusal is an event.
"""

from __future__ import annotations

import json
from typing import NoReturn

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from modelward.access import Role, User
from modelward.backends.store import deployments, model_versions, reviews
from modelward.errors import Conflict, Forbidden, InputError, ModelwardError
from modelward.events import utc_now
from modelward.model import latest_evaluation
from modelward.permissions import refuse, require
from modelward.registry import ModelVersion, Stage, get_model
from modelward.review.facts import gate_report
from modelward.review.gates import GateReport
from modelward.review.records import Decision, Review, StageChange
from modelward.spec import get_project
from modelward.workspace import Workspace

MIN_JUSTIFICATION = 20  # characters: a written reason, not "ok"
MAX_TEXT = 4_000


def approve(ws: Workspace, ref: str, *, comment: str) -> Review:
    """Record an approval by the acting user, who must be an approver and not the trainer."""
    return _decide(ws, ref, Decision.APPROVE, comment)


def reject(ws: Workspace, ref: str, *, comment: str) -> Review:
    """Record a rejection; it withdraws any earlier approval of the version."""
    return _decide(ws, ref, Decision.REJECT, comment)


def reviews_of(ws: Workspace, ref: str) -> list[Review]:
    """The version's decisions, oldest first."""
    model = get_model(ws, ref)
    with ws.transaction() as conn:
        rows = conn.execute(
            select(reviews).where(reviews.c.model_version_id == model.id).order_by(reviews.c.id)
        ).all()
    return [Review.from_row(row, model.ref) for row in rows]


def promote(
    ws: Workspace,
    ref: str,
    *,
    to: Stage | None = None,
    override: str | None = None,
) -> StageChange:
    """Move a version forward (to the next stage by default). Production replaces, and archives,
    the version that held it. `override` is an admin's written justification for promoting to
    production despite failing gates or a missing approval.
    """
    model = get_model(ws, ref)
    target = to or model.stage.next()
    action = "model.promote"
    if not model.stage.can_move_to(target) or target is Stage.ARCHIVED:
        _refuse(ws, action, model, Conflict, _move_problem(model, target))
    actor = require(ws, action, f"model/{model.ref}")
    gates = gate_report(ws, model)
    approval = _standing_approval(ws, model)
    if target is Stage.PRODUCTION:
        _check_production(ws, model, gates, approval, actor, override)
    return _move(ws, model, target, gates=gates, approval=approval, override=override)


def archive(ws: Workspace, ref: str, *, comment: str = "") -> StageChange:
    """Retire a version from any live stage. Retiring the production version takes an
    approver (it was approved into production); a version a deployment serves as its primary
    is refused until the deployment serves another (`deploy rollback` or `deploy promote`)."""
    model = get_model(ws, ref)
    if model.stage is Stage.ARCHIVED:
        _refuse(ws, "model.archive", model, Conflict, f"{model.ref} is archived already")
    needed = Role.APPROVER if model.stage is Stage.PRODUCTION else None
    require(ws, "model.archive", f"model/{model.ref}", at_least=needed)
    serving = _primary_of(ws, model.ref)
    if serving:
        reason = (
            f"{model.ref} is the primary of deployment(s) {', '.join(serving)}: it would keep "
            "serving; switch them to another model first (`modelward deploy rollback`)"
        )
        _refuse(ws, "model.archive", model, Conflict, reason)
    gates = GateReport(())
    return _move(ws, model, Stage.ARCHIVED, gates=gates, approval=None, override=comment or None)


def rollback_production(ws: Workspace, project: str, *, reason: str) -> StageChange:
    """Bring back the version the current production version replaced, and archive the current
    one, in one transaction. It takes an approver and a written reason; the version restored
    must still stand approved (its approval is named on the record, a later rejection refuses
    it), since it returns to real traffic on the strength of that review."""
    text = _text("--reason", reason, required=True)
    current = get_model(ws, f"{project}@production")
    previous_ref = replaced_version(ws, current)
    if previous_ref is None:
        _refuse(
            ws,
            "model.rollback",
            current,
            Conflict,
            f"{current.ref} replaced no production version: there is none to bring back "
            f"(`modelward models archive {current.ref}` retires it)",
        )
    previous = get_model(ws, previous_ref)
    require(ws, "model.rollback", f"model/{previous.ref}", at_least=Role.APPROVER)
    if previous.stage is not Stage.ARCHIVED:
        reason_ = f"{previous.ref} is {previous.stage.value} now, not archived; promote it instead"
        _refuse(ws, "model.rollback", previous, Conflict, reason_)
    approval = _standing_approval(ws, previous)
    if approval is None:
        _refuse(
            ws,
            "model.rollback",
            previous,
            Conflict,
            f"{previous.ref} has no standing approval (a rejection withdrew it): it may not "
            "return to production on its earlier review",
        )
    return _restore(ws, previous, current, approval, text)


def replaced_version(ws: Workspace, model: ModelVersion) -> str | None:
    """The production version `model`'s newest promotion to production archived, if any."""
    moves = ws.read_events(subject=f"model/{model.ref}", action="model.stage_changed", limit=50)
    for event in moves:  # newest first
        payload = event.payload_data()
        if isinstance(payload, dict) and payload.get("to") == Stage.PRODUCTION.value:
            replaced = payload.get("replaced")
            return replaced if isinstance(replaced, str) else None
    return None


def _restore(
    ws: Workspace, previous: ModelVersion, current: ModelVersion, approval: Review, reason: str
) -> StageChange:
    gates = gate_report(ws, previous)
    change = StageChange(
        previous.ref, Stage.ARCHIVED.value, Stage.PRODUCTION.value, ws.actor, approval,
        None, current.ref, gates,
    )  # fmt: skip
    try:
        with ws.transaction() as conn:
            _swap_stage(conn, current.id, current.ref, Stage.PRODUCTION, Stage.ARCHIVED)
            _swap_stage(conn, previous.id, previous.ref, Stage.ARCHIVED, Stage.PRODUCTION)
            payload = {**_event_payload(change), "rollback": reason}
            ws.record(conn, "model.stage_changed", f"model/{previous.ref}", payload)
            back = {"from": Stage.PRODUCTION.value, "to": Stage.ARCHIVED.value}
            back |= {"replaced_by": previous.ref, "rollback": reason}
            ws.record(conn, "model.stage_changed", f"model/{current.ref}", back)
    except _Moved as moved:
        _refuse(ws, "model.rollback", previous, Conflict, str(moved))
    return change


def _primary_of(ws: Workspace, ref: str) -> list[str]:
    """The deployments whose primary route is `ref` (read from their stored routes)."""
    with ws.transaction() as conn:
        rows = conn.execute(select(deployments.c.name, deployments.c.routes)).all()
    return [name for name, routes in rows if json.loads(routes).get("primary") == ref]


def release_problems(ws: Workspace, model: ModelVersion) -> list[str]:
    """Why `model` may not serve real traffic yet; empty when it passed review.

    A version in production got there through review (or a recorded admin override); any other
    needs passing gates and a standing approval, the same bar as promotion to production.
    """
    if model.stage is Stage.PRODUCTION:
        return []
    if model.stage is Stage.ARCHIVED:
        return [f"{model.ref} is archived"]
    gates = gate_report(ws, model)
    problems = [] if gates.passed else [f"failing gates: {gates.summary()}"]
    if _standing_approval(ws, model) is None:
        problems.append("no standing approval: an approver must run `modelward models approve`")
    return problems


def _decide(ws: Workspace, ref: str, decision: Decision, comment: str) -> Review:
    model = get_model(ws, ref)
    action = f"model.{decision.value}"
    text = _text("--comment", comment, required=True)
    user = require(ws, action, f"model/{model.ref}")
    assert user is not None  # a review's rule needs a named user
    if user.name == model.created_by:
        reason = (
            f"{user.name} trained {model.ref} and may not review it: "
            "another approver must decide (separation of duties)"
        )
        _refuse(ws, action, model, Forbidden, reason)
    if model.stage is Stage.ARCHIVED:
        _refuse(ws, action, model, Conflict, f"{model.ref} is archived; nothing to review")
    named = get_project(ws, model.project).spec.approvers
    if named and user.name not in named:
        reason = (
            f"{user.name} is not an approver of project {model.project} "
            f"(its spec names {', '.join(named)})"
        )
        _refuse(ws, action, model, Forbidden, reason)
    gates = gate_report(ws, model)
    evaluated = latest_evaluation(ws, model)
    evaluation = None if evaluated is None else evaluated.id
    with ws.transaction() as conn:
        inserted = conn.execute(
            insert(reviews).values(
                model_version_id=model.id,
                decision=decision.value,
                actor=user.name,
                role=user.role.value,
                comment=text,
                gates=json.dumps(gates.to_json(), sort_keys=True),
                created_at=utc_now(),
                evaluation_id=evaluation,
            )
        )
        payload = {
            "comment": text,
            "role": user.role.value,
            "gates_passed": gates.passed,
            "evaluation": evaluation,
        }
        ws.record(conn, f"model.{decision.past}", f"model/{model.ref}", payload)
        new_id = inserted.inserted_primary_key
        assert new_id is not None
        row = conn.execute(select(reviews).where(reviews.c.id == new_id[0])).one()
    return Review.from_row(row, model.ref)


def _check_production(
    ws: Workspace,
    model: ModelVersion,
    gates: GateReport,
    approval: Review | None,
    actor: User | None,
    override: str | None,
) -> None:
    action = "model.promote"
    problems = [] if gates.passed else [f"failing gates: {gates.summary()}"]
    if approval is None:
        problems.append("no standing approval: an approver must run `modelward models approve`")
    if override is not None:
        _check_override(ws, model, actor, override)
        return
    if problems:
        hint = "; fix them, or an admin may --override with a written --justification"
        _refuse(
            ws,
            action,
            model,
            Conflict,
            f"{model.ref} cannot go to production: " + "; ".join(problems) + hint,
        )


def _check_override(ws: Workspace, model: ModelVersion, actor: User | None, text: str) -> None:
    action = "model.override"
    require(ws, action, f"model/{model.ref}")
    if len(text.strip()) < MIN_JUSTIFICATION:
        reason = (
            f"--justification: got {text.strip()!r}; expected a written reason of at least "
            f"{MIN_JUSTIFICATION} characters for overriding the review"
        )
        _refuse(ws, action, model, InputError, reason)


def _move(
    ws: Workspace,
    model: ModelVersion,
    target: Stage,
    *,
    gates: GateReport,
    approval: Review | None,
    override: str | None,
) -> StageChange:
    """Move `model` from the stage it was read in: compare-and-swap, with the production
    version it replaces found and archived in the same transaction. A concurrent move of
    either (or a second promotion to production, which the store's unique index stops) is a
    Conflict, recorded, and nothing changes."""
    action = "model.archive" if target is Stage.ARCHIVED else "model.promote"
    try:
        with ws.transaction() as conn:
            old = _production_of(conn, model) if target is Stage.PRODUCTION else None
            replaced = None if old is None else old[1]
            change = StageChange(
                model.ref,
                model.stage.value,
                target.value,
                ws.actor,
                approval,
                override,
                replaced,
                gates,
            )
            if old is not None:  # first: the store holds one production version at a time
                _swap_stage(conn, old[0], old[1], Stage.PRODUCTION, Stage.ARCHIVED)
            _swap_stage(conn, model.id, model.ref, model.stage, target)
            # The takeover is recorded first: history ends the old spell at this very event.
            ws.record(conn, "model.stage_changed", f"model/{model.ref}", _event_payload(change))
            if old is not None:
                payload = {"from": Stage.PRODUCTION.value, "to": Stage.ARCHIVED.value}
                payload["replaced_by"] = model.ref
                ws.record(conn, "model.stage_changed", f"model/{old[1]}", payload)
    except _Moved as moved:
        _refuse(ws, action, model, Conflict, str(moved))
    except IntegrityError:
        reason = (
            f"another version of {model.project} went to production meanwhile; "
            "look again (`modelward models list`) and retry"
        )
        _refuse(ws, action, model, Conflict, reason)
    return change


class _Moved(Exception):
    """A version was not in the stage it was read in: someone moved it meanwhile."""


def _swap_stage(conn: Connection, id_: int, ref: str, expected: Stage, stage: Stage) -> None:
    moved = conn.execute(
        update(model_versions)
        .where(model_versions.c.id == id_, model_versions.c.stage == expected.value)
        .values(stage=stage.value)
    ).rowcount
    if moved != 1:
        raise _Moved(
            f"{ref} is no longer {expected.value}: it was moved meanwhile; "
            "look again (`modelward models list`) and retry"
        )


def _production_of(conn: Connection, model: ModelVersion) -> tuple[int, str] | None:
    """The id and reference of the project's production version other than `model`."""
    project_id = select(model_versions.c.project_id).where(model_versions.c.id == model.id)
    found = conn.execute(
        select(model_versions.c.id, model_versions.c.version).where(
            model_versions.c.project_id == project_id.scalar_subquery(),
            model_versions.c.stage == Stage.PRODUCTION.value,
            model_versions.c.id != model.id,
        )
    ).first()
    return None if found is None else (found.id, f"{model.project}/v{found.version}")


def _event_payload(change: StageChange) -> dict[str, object]:
    approval = change.approval
    return {
        "from": change.from_stage,
        "to": change.to_stage,
        "approved_by": None if approval is None else approval.actor,
        "approved_at": None if approval is None else approval.created_at,
        "override": change.override,
        "replaced": change.replaced,
        "gates_passed": change.gates.passed,
    }


def _standing_approval(ws: Workspace, model: ModelVersion) -> Review | None:
    """The newest decision, when it is an approval; a later rejection withdraws it."""
    decisions = reviews_of(ws, model.ref)
    newest = decisions[-1] if decisions else None
    return newest if newest is not None and newest.decision is Decision.APPROVE else None


def _move_problem(model: ModelVersion, target: Stage) -> str:
    if target is Stage.ARCHIVED:
        return f"use `modelward models archive {model.ref}` to archive"
    return f"{model.ref} is {model.stage.value}; it cannot move to {target.value} (forward only)"


def _refuse(
    ws: Workspace, action: str, model: ModelVersion, error: type[ModelwardError], reason: str
) -> NoReturn:
    refuse(ws, action, f"model/{model.ref}", reason, error)


def _text(name: str, value: str | None, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InputError.field(name, value or "", "a few words on why")
    if len(text) > MAX_TEXT:
        raise InputError.field(name, f"{len(text)} characters", f"at most {MAX_TEXT}")
    return text
