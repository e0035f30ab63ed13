"""The management API's work: projects, data upload and audit, training, evaluation, cards.

Training and evaluation run in a worker thread and answer when done (seconds to minutes: give
the client a matching timeout). A server never reads a path a client names: data arrives as a
CSV or Parquet body, and training takes a dataset reference.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from modelward.access import Role
from modelward.api.bodies import CSV_TYPES, PARQUET_TYPES
from modelward.api.jobs import get_job, list_jobs, start_job
from modelward.api.scoring import json_response
from modelward.api.state import ServerState, acting, model_ref, read_body
from modelward.audit import audit_dataset
from modelward.datasets import add_dataset, get_version
from modelward.errors import InputError
from modelward.evaluation import evaluate_model, evaluation_html, get_evaluation
from modelward.refs import parse_ref
from modelward.review import model_card, train_and_review
from modelward.spec import Task, create_project, parse_spec
from modelward.training import TrainOptions

router = APIRouter(prefix="/api/v1", tags=["management"])


class TrainRequest(BaseModel):
    data: str = Field(min_length=1, max_length=200, description="A dataset reference: churn@1")
    target: str | None = Field(default=None, max_length=200)
    task: Task = Task.AUTO
    budget: float | None = Field(default=None, gt=0, le=86_400)
    trials: int | None = Field(default=None, ge=1, le=10_000)
    metric: str | None = Field(default=None, max_length=64)
    project: str | None = Field(default=None, max_length=64)
    sensitive: list[str] | None = None
    seed: int = Field(default=0, ge=0)
    families: list[str] = Field(default_factory=list)
    evaluate: bool = True
    time_column: str | None = Field(default=None, max_length=200, description="Forecast")
    group_columns: list[str] | None = Field(default=None, description="Forecast: series keys")
    horizon: int | None = Field(default=None, ge=1, le=366, description="Forecast: periods")
    covariates: list[str] | None = Field(default=None, description="Forecast: known ahead")
    country: str | None = Field(default=None, max_length=10, description="Forecast: holidays")


@router.post(
    "/projects",
    summary="Create a project from its spec (as modelward.yaml holds it)",
    status_code=201,
)
def new_project(request: Request, spec: Annotated[dict[str, Any], Body()]) -> Response:
    ws = acting(request, Role.SCIENTIST)
    return json_response(create_project(ws, parse_spec(spec, source="body")).to_json(), 201)


@router.post(
    "/datasets",
    summary="Add a CSV or Parquet body as a new dataset version (then audited)",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
        }
    },
)
async def upload(
    request: Request,
    name: Annotated[str, Query(min_length=1, max_length=64)],
    project: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    ws = acting(request, Role.SCIENTIST)
    suffix = _suffix(request.headers.get("content-type", ""))
    body = await read_body(request, ServerState.of(request).gate.config.max_body_bytes)
    ws.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
    path = ws.settings.tmp_dir / f"upload-{uuid.uuid4().hex}{suffix}"
    try:
        path.write_bytes(body)
        added = await run_in_threadpool(add_dataset, ws, path, name=name, project=project)
    finally:
        path.unlink(missing_ok=True)
    found = {**added.version.to_json(), "created": added.created, "notes": list(added.notes)}
    return json_response(found, 201 if added.created else 200)


@router.post("/datasets/{ref}/audit", summary="Audit a dataset version (data quality and risks)")
def audit(
    ref: str,
    request: Request,
    target: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    found = audit_dataset(acting(request, Role.SCIENTIST), ref, target=target)
    return json_response(found.to_json())


@router.post(
    "/runs",
    summary="Start training on a dataset version (a job: 202 now, then `GET /api/v1/jobs/{id}`"
    " for the trained, evaluated and gated candidate)",
    status_code=202,
)
def train(body: TrainRequest, request: Request) -> Response:
    ws = acting(request, Role.SCIENTIST)
    parse_ref(body.data, field="data")  # a reference, never a path on the server
    options = TrainOptions(
        target=body.target,
        task=body.task,
        budget=body.budget,
        trials=body.trials,
        metric=body.metric,
        project=body.project,
        sensitive=None if body.sensitive is None else tuple(body.sensitive),
        seed=body.seed,
        families=tuple(body.families),
        time_column=body.time_column,
        group_columns=None if body.group_columns is None else tuple(body.group_columns),
        horizon=body.horizon,
        covariates=None if body.covariates is None else tuple(body.covariates),
        country=body.country,
    )
    options.validate()  # a bad request is a 422 now, not a failed job later
    get_version(ws, body.data)  # and an unknown dataset a 404

    def work() -> dict[str, Any]:
        return train_and_review(ws, body.data, options, evaluate=body.evaluate).to_json()

    job = start_job(ws, "train", body.model_dump(mode="json"), work)
    answer = json_response(job.to_json(), 202)
    answer.headers["location"] = f"/api/v1/jobs/{job.uid}"
    return answer


@router.get("/jobs", summary="Jobs, newest first: training started over the API")
def jobs_list(request: Request, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> Response:
    found = list_jobs(acting(request, Role.VIEWER), limit=limit)
    return json_response([j.to_json() for j in found])


@router.get("/jobs/{uid}", summary="A job: running, done (with its result), failed or lost")
def job(uid: str, request: Request) -> Response:
    return json_response(get_job(acting(request, Role.VIEWER), uid).to_json())


@router.post("/models/{project}/{version}/evaluate", summary="Evaluate a model version again")
def evaluate(project: str, version: str, request: Request) -> Response:
    found = evaluate_model(acting(request, Role.SCIENTIST), model_ref(project, version))
    return json_response(found.to_json())


@router.get("/models/{project}/{version}/evaluation.html", summary="The evaluation as HTML")
def evaluation_page(project: str, version: str, request: Request) -> Response:
    ws = acting(request, Role.VIEWER)
    page = evaluation_html(ws, get_evaluation(ws, model_ref(project, version)))
    return Response(page, media_type="text/html; charset=utf-8")


@router.get("/models/{project}/{version}/card", summary="The model card (Markdown or HTML)")
def card(
    project: str,
    version: str,
    request: Request,
    format: Literal["markdown", "html"] = "markdown",
) -> Response:
    found = model_card(acting(request, Role.VIEWER), model_ref(project, version))
    if format == "html":
        return Response(found.html, media_type="text/html; charset=utf-8")
    return Response(found.markdown, media_type="text/markdown; charset=utf-8")


def _suffix(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if kind in CSV_TYPES:
        return ".csv"
    if kind in PARQUET_TYPES:
        return ".parquet"
    raise InputError.field(
        "content-type", content_type, "text/csv or application/vnd.apache.parquet"
    )
