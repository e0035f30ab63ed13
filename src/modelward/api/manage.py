"""The management API (`/api/v1`): what the CLI does, over HTTP, through the same core functions.

Each handler admits the caller with the least role the action needs (viewers read, scientists
change, approvers decide, admins administer), acts as the caller's user so that events name
them, calls one core function and renders its record as JSON. The core functions enforce their
own finer rules (separation of duties, gates), exactly as for the CLI.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from modelward.access import Role
from modelward.api.deployments import router as deployments_router
from modelward.api.scoring import json_response
from modelward.api.state import ServerState, acting, model_ref
from modelward.datasets import list_versions
from modelward.evaluation import get_evaluation
from modelward.permissions import add_user, all_users
from modelward.registry import Stage, get_model, list_models
from modelward.review import (
    approve,
    archive,
    gate_report,
    promote,
    reject,
    reviews_of,
    rollback_production,
)
from modelward.serving import (
    api_tokens,
    create_api_token,
    revoke_api_token,
    revoke_user_tokens,
)
from modelward.spec import get_project, list_projects
from modelward.tracking import get_run, list_runs

router = APIRouter(prefix="/api/v1", tags=["management"])
router.include_router(deployments_router)

Limit = Annotated[int, Query(ge=1, le=1000)]


class Comment(BaseModel):
    comment: str = Field(min_length=1, max_length=4000)


class Promotion(BaseModel):
    to: Stage | None = None
    override: str | None = Field(default=None, max_length=4000)


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: Role


class NewToken(BaseModel):
    user: str = Field(min_length=1, max_length=200)
    label: str = Field(default="", max_length=200)
    rate_per_second: float | None = Field(default=None, gt=0, le=1_000_000)


@router.get("/projects", summary="Projects and their specs")
def projects(request: Request) -> Response:
    ws = acting(request, Role.VIEWER)
    return json_response([p.to_json() for p in list_projects(ws)])


@router.get("/projects/{name}", summary="One project and its spec")
def project(name: str, request: Request) -> Response:
    return json_response(get_project(acting(request, Role.VIEWER), name).to_json())


@router.get("/datasets", summary="Dataset versions, optionally of one dataset or project")
def datasets(request: Request, name: str | None = None, project: str | None = None) -> Response:
    found = list_versions(acting(request, Role.VIEWER), name=name, project=project)
    return json_response([v.to_json() for v in found])


@router.get("/runs", summary="Training runs, newest first")
def runs(request: Request, project: str | None = None, limit: Limit = 50) -> Response:
    found = list_runs(acting(request, Role.VIEWER), project=project, limit=limit)
    return json_response([r.to_json() for r in found])


@router.get("/runs/{uid}", summary="One run")
def run(uid: str, request: Request) -> Response:
    return json_response(get_run(acting(request, Role.VIEWER), uid).to_json())


@router.get("/models", summary="Model versions, optionally of one project or stage")
def models(request: Request, project: str | None = None, stage: Stage | None = None) -> Response:
    found = list_models(acting(request, Role.VIEWER), project=project, stage=stage)
    return json_response([m.to_json() for m in found])


@router.get("/models/{project}/{version}", summary="One model version (`v3` or a stage)")
def model(project: str, version: str, request: Request) -> Response:
    return json_response(
        get_model(acting(request, Role.VIEWER), model_ref(project, version)).to_json()
    )


@router.get("/models/{project}/{version}/evaluation", summary="The newest evaluation report")
def evaluation(project: str, version: str, request: Request) -> Response:
    found = get_evaluation(acting(request, Role.VIEWER), model_ref(project, version))
    return json_response(found.to_json())


@router.get("/models/{project}/{version}/gates", summary="The spec's gates against the evidence")
def gates(project: str, version: str, request: Request) -> Response:
    ws = acting(request, Role.VIEWER)
    return json_response(gate_report(ws, get_model(ws, model_ref(project, version))).to_json())


@router.get("/models/{project}/{version}/reviews", summary="Approvals and rejections")
def reviews(project: str, version: str, request: Request) -> Response:
    found = reviews_of(acting(request, Role.VIEWER), model_ref(project, version))
    return json_response([r.to_json() for r in found])


@router.post("/models/{project}/{version}/approve", summary="Approve (approvers; not the trainer)")
def approve_model(project: str, version: str, body: Comment, request: Request) -> Response:
    ws = acting(request, Role.APPROVER)
    return json_response(approve(ws, model_ref(project, version), comment=body.comment).to_json())


@router.post("/models/{project}/{version}/reject", summary="Reject (approvers)")
def reject_model(project: str, version: str, body: Comment, request: Request) -> Response:
    ws = acting(request, Role.APPROVER)
    return json_response(reject(ws, model_ref(project, version), comment=body.comment).to_json())


@router.post("/models/{project}/{version}/promote", summary="Move forward a stage (gated)")
def promote_model(project: str, version: str, body: Promotion, request: Request) -> Response:
    ws = acting(request, Role.SCIENTIST)
    change = promote(ws, model_ref(project, version), to=body.to, override=body.override)
    return json_response(change.to_json())


@router.post("/models/{project}/{version}/archive", summary="Retire a version")
def archive_model(project: str, version: str, body: Comment, request: Request) -> Response:
    ws = acting(request, Role.SCIENTIST)
    return json_response(archive(ws, model_ref(project, version), comment=body.comment).to_json())


class Reason(BaseModel):
    reason: str = Field(min_length=1, max_length=4000)


@router.post(
    "/models/{project}/rollback",
    summary="Bring back the production version the current one replaced (on its approval)",
)
def rollback_model(project: str, body: Reason, request: Request) -> Response:
    ws = acting(request, Role.APPROVER)
    return json_response(rollback_production(ws, project, reason=body.reason).to_json())


@router.get("/events", summary="The event log, newest first")
def events(
    request: Request,
    subject: str | None = None,
    action: str | None = None,
    limit: Limit = 50,
) -> Response:
    found = acting(request, Role.VIEWER).read_events(subject=subject, action=action, limit=limit)
    return json_response([e.to_json() for e in found])


@router.get("/events/verify", summary="Walk the hash chain; names the first broken link")
def verify(request: Request) -> Response:
    return json_response(acting(request, Role.VIEWER).verify_events().to_json())


@router.get("/users", summary="Users and their roles")
def list_users(request: Request) -> Response:
    return json_response([u.to_json() for u in all_users(acting(request, Role.VIEWER))])


@router.post("/users", summary="Add a user (admins)", status_code=201)
def new_user(body: NewUser, request: Request) -> Response:
    ws = acting(request, Role.ADMIN)
    return json_response(add_user(ws, body.name, body.role).to_json(), 201)


@router.get("/tokens", summary="API tokens (never their secrets)")
def tokens(request: Request, user: str | None = None) -> Response:
    return json_response([t.to_json() for t in api_tokens(acting(request, Role.ADMIN), user)])


@router.post(
    "/tokens", summary="Issue a token: for yourself, or any user as an admin", status_code=201
)
def new_token(body: NewToken, request: Request) -> Response:
    state = ServerState.of(request)
    caller = state.gate.admit(request.headers, Role.VIEWER)
    issued = create_api_token(
        state.gate.acting(caller),
        body.user,
        label=body.label,
        rate_per_second=body.rate_per_second,
        parent=caller.token_id or None,
    )
    return json_response(issued.to_json(), 201)


@router.delete("/tokens/{token_id}", summary="Revoke a token (its owner or an admin)")
def revoke(token_id: str, request: Request, children: bool = False) -> Response:
    """With `?children=true`, also every token made with it (and with those)."""
    state = ServerState.of(request)
    found = revoke_api_token(acting(request, Role.VIEWER), token_id, children=children)
    state.gate.forget_tokens()
    return json_response(found.to_json())


@router.delete("/tokens", summary="Revoke every token of a user (the user or an admin)")
def revoke_all(request: Request, user: str) -> Response:
    state = ServerState.of(request)
    gone = revoke_user_tokens(acting(request, Role.VIEWER), user)
    state.gate.forget_tokens()
    return json_response([t.to_json() for t in gone])
