"""Deployment management over HTTP: create, canary, shadow, promote, roll back, inspect."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from modelward.access import Role
from modelward.api.scoring import json_response
from modelward.api.state import acting
from modelward.serving import (
    Answers,
    DeploymentOptions,
    Validation,
    compare_deployment,
    create_deployment,
    get_deployment,
    list_deployments,
    promote_canary,
    read_predictions,
    revisions,
    rollback,
    set_canary,
    set_shadow,
)

router = APIRouter(prefix="/deployments", tags=["deployments"])


class NewDeployment(BaseModel):
    name: str = Field(min_length=1, max_length=64)
    model: str = Field(min_length=1, max_length=200)
    validation: Validation = Validation.FLAG
    round_probabilities: int | None = Field(default=None, ge=1, le=6)
    sticky_key: str | None = Field(default=None, max_length=200)
    per_row: bool = False
    answers: Answers = Answers.MODELWARD


class Canary(BaseModel):
    model: str | None = Field(default=None, max_length=200)
    weight: float = Field(default=10.0, gt=0, le=100)


class Shadow(BaseModel):
    model: str | None = Field(default=None, max_length=200)


class Rollback(BaseModel):
    to: str | None = Field(default=None, max_length=200)
    reason: str | None = Field(default=None, max_length=4_000)


@router.get("", summary="Every deployment and its routes")
def deployments(request: Request) -> Response:
    return json_response([d.to_json() for d in list_deployments(acting(request, Role.VIEWER))])


@router.post("", summary="Create a deployment serving a reviewed model", status_code=201)
def create(body: NewDeployment, request: Request) -> Response:
    options = DeploymentOptions(
        body.validation, body.round_probabilities, body.sticky_key, body.per_row, body.answers
    )
    found = create_deployment(
        acting(request, Role.SCIENTIST), body.name, body.model, options=options
    )
    return json_response(found.to_json(), 201)


@router.get("/{name}", summary="One deployment")
def deployment(name: str, request: Request) -> Response:
    return json_response(get_deployment(acting(request, Role.VIEWER), name).to_json())


@router.get("/{name}/revisions", summary="Every routing the deployment has had, oldest first")
def history(name: str, request: Request) -> Response:
    return json_response([r.to_json() for r in revisions(acting(request, Role.VIEWER), name)])


@router.post("/{name}/canary", summary="Route a share of traffic to a reviewed model (or stop)")
def canary(name: str, body: Canary, request: Request) -> Response:
    found = set_canary(acting(request, Role.SCIENTIST), name, body.model, weight=body.weight)
    return json_response(found.to_json())


@router.post("/{name}/shadow", summary="Mirror every request to a model, never returned")
def shadow(name: str, body: Shadow, request: Request) -> Response:
    return json_response(set_shadow(acting(request, Role.SCIENTIST), name, body.model).to_json())


@router.post("/{name}/promote", summary="The canary becomes the primary")
def promote(name: str, request: Request) -> Response:
    return json_response(promote_canary(acting(request, Role.SCIENTIST), name).to_json())


@router.post("/{name}/rollback", summary="Back to the previous primary (or a named model)")
def roll_back(name: str, body: Rollback, request: Request) -> Response:
    ws = acting(request, Role.SCIENTIST)
    return json_response(rollback(ws, name, to=body.to, reason=body.reason).to_json())


@router.get("/{name}/predictions", summary="Logged predictions in a time window, oldest first")
def predictions(
    name: str,
    request: Request,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> Response:
    ws = acting(request, Role.SCIENTIST)  # logged inputs are customers' data
    get_deployment(ws, name)
    frame = read_predictions(ws, name, since=since, until=until).tail(limit)
    rows = frame.with_columns(frame["time"].dt.to_string("%Y-%m-%dT%H:%M:%S%.6f%z")).to_dicts()
    return json_response(rows)


@router.get("/{name}/compare", summary="Routes compared on feedback, with recommendations")
def compare(
    name: str, request: Request, min_samples: Annotated[int, Query(ge=2, le=1_000_000)] = 200
) -> Response:
    found = compare_deployment(acting(request, Role.VIEWER), name, min_samples=min_samples)
    return json_response(found.to_json())
