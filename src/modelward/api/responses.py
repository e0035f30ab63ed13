"""The response bodies every endpoint sends, as the OpenAPI document declares them.

Handlers render records with their `to_json()` (one rendering for the CLI and the API), so the
bodies are described here, next to each other, rather than as pydantic models the handlers do
not use. `finish_document` adds them to FastAPI's document, and replaces its stock 422 body
(`{"detail": ...}`) with the one the server really sends: `{"error": {"type", "message"}}`.
A test fails when an operation has no declared success body; schemathesis checks every answer
against its declaration.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

STR: Schema = {"type": "string"}
INT: Schema = {"type": "integer"}
NUM: Schema = {"type": "number"}
BOOL: Schema = {"type": "boolean"}
OBJ: Schema = {"type": "object"}
ARR: Schema = {"type": "array"}
ANY: Schema = {}


def maybe(schema: Schema) -> Schema:
    """`schema` or null."""
    return {"anyOf": [schema, {"type": "null"}]}


def obj(**fields: Schema) -> Schema:
    """An object with every one of `fields` present (more may come in later versions)."""
    return {"type": "object", "required": sorted(fields), "properties": fields}


def array(items: Schema) -> Schema:
    return {"type": "array", "items": items}


ERROR = obj(error=obj(type=STR, message=STR))
ROUTES = obj(primary=STR, canary=maybe(STR), canary_weight=NUM, shadow=maybe(STR))
DEPLOYMENT = obj(
    name=STR,
    routes=ROUTES,
    options=obj(validation=STR, round_probabilities=maybe(INT), sticky_key=maybe(STR)),
    generation=INT,
    created_at=STR,
    created_by=STR,
    updated_at=STR,
)
REVISION = obj(
    deployment=STR, generation=INT, action=STR, routes=ROUTES, created_at=STR, created_by=STR
)
PROJECT = obj(
    name=STR, spec=OBJ, created_at=STR, created_by=STR, updated_at=STR, warnings=array(STR)
)
DATASET_VERSION = obj(
    ref=STR,
    name=STR,
    version=INT,
    content_hash=STR,
    n_rows=INT,
    n_columns=INT,
    size_bytes=INT,
    source=OBJ,
    parent=maybe(STR),
    project=maybe(STR),
    created_at=STR,
    created_by=STR,
    contract=maybe(OBJ),
)
ADDED_DATASET = {
    "allOf": [DATASET_VERSION, obj(created=BOOL, notes=array(STR))],
}
RUN = obj(
    uid=STR,
    name=STR,
    status={"enum": ["running", "finished", "failed", "killed"]},
    project=maybe(STR),
    dataset=maybe(STR),
    started_at=STR,
    ended_at=maybe(STR),
    wall_seconds=maybe(NUM),
    cpu_seconds=maybe(NUM),
    created_by=STR,
    params=OBJ,
    metrics=OBJ,
    tags=OBJ,
    lineage=OBJ,
)
MODEL = obj(
    ref=STR,
    project=STR,
    version=INT,
    run=maybe(STR),
    stage=STR,
    task=STR,
    metric=maybe(STR),
    score=maybe(NUM),
    summary=OBJ,
    input_schema=OBJ,
    output_schema=OBJ,
    manifest_sha256=STR,
    signature=maybe(STR),
    key_id=maybe(STR),
    size_bytes=INT,
    created_at=STR,
    created_by=STR,
)
GATES = obj(passed=BOOL, summary=STR, results=array(OBJ))
REVIEW = obj(
    id=INT,
    model=STR,
    decision={"enum": ["approve", "reject"]},
    actor=STR,
    role=STR,
    comment=STR,
    gates=GATES,
    created_at=STR,
    evaluation=maybe(INT),
)
STAGE_CHANGE = {
    "type": "object",
    "required": ["model", "from", "to", "actor", "approval", "override", "replaced", "gates"],
    "properties": {
        "model": STR,
        "from": STR,
        "to": STR,
        "actor": STR,
        "approval": maybe(REVIEW),
        "override": maybe(STR),
        "replaced": maybe(STR),
        "gates": GATES,
    },
}
EVENT = obj(
    seq=INT,
    time=STR,
    actor=STR,
    action=STR,
    subject=STR,
    payload=OBJ,
    prev_hash=STR,
    hash=STR,
)
VERIFIED = obj(ok=BOOL, checked=INT, broken_seq=maybe(INT), reason=maybe(STR))
USER = obj(name=STR, role=STR, created_at=STR, created_by=STR)
TOKEN = obj(
    token_id=STR,
    user=STR,
    role=STR,
    label=STR,
    rate_per_second=maybe(NUM),
    created_at=STR,
    created_by=STR,
    expires_at=maybe(STR),
    revoked_at=maybe(STR),
    parent=maybe(STR),
    status=STR,
)
ISSUED_TOKEN = {"allOf": [TOKEN, obj(token=STR)]}
AUDIT = obj(
    id=INT,
    dataset=STR,
    options=OBJ,
    created_at=STR,
    created_by=STR,
    html_blob=STR,
    n_rows=INT,
    n_columns=INT,
    checks_run=array(STR),
    seconds=NUM,
    counts=OBJ,
    worst=maybe(STR),
    findings=array(OBJ),
)
EVALUATION = obj(
    id=INT, model=STR, facts=OBJ, html_blob=STR, created_at=STR, created_by=STR, report=OBJ
)
TRAINED = obj(
    run=STR,
    model=STR,
    metric=STR,
    score=maybe(NUM),
    project=maybe(STR),
    dataset=STR,
    task=STR,
    members=ARR,
    trials=INT,
    seconds=NUM,
    budget=maybe(NUM),
    notes=array(STR),
    leaderboard=ARR,
)
FEEDBACK = obj(deployment=STR, accepted=INT, unchanged=INT, disputed=INT)
EXPLAINED = obj(
    model=STR,
    task=STR,
    outputs=array(STR),
    methods=array(STR),
    base_is_mean=BOOL,
    rows=array(obj(output=ANY, base=NUM, prediction=ANY, contributions=array(OBJ))),
)
COMPARED = obj(deployment=STR, metric=STR, labelled=OBJ, comparisons=array(OBJ))
LOGGED_ROW = obj(time=STR, request_id=STR, route=STR, model=STR)
HEALTH = obj(status=STR)
DEGRADED = obj(
    deployment=STR, reason=STR, since=STR, serving={"enum": ["previous routes", "nothing"]}
)
READY = obj(
    status={"enum": ["ready", "degraded", "starting", "not ready"]},
    problems=array(STR),
    degraded=array(DEGRADED),
)
JOB = obj(
    job=STR,
    kind=STR,
    status={"enum": ["running", "done", "failed", "lost"]},
    url=STR,
    request=OBJ,
    result=maybe(TRAINED),
    error=maybe(obj(type=STR, message=STR)),
    created_at=STR,
    created_by=STR,
    finished_at=maybe(STR),
)


def _json(schema: Schema, description: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(kinds: tuple[str, ...], description: str) -> Schema:
    return {"description": description, "content": {k: {"schema": STR} for k in kinds}}


HTML = "text/html"
MARKDOWN = "text/markdown"

READINESS = {
    "200": _json(READY, "Ready, or degraded: some deployments could not load (named)"),
    "503": _json(READY, "Not ready: the problems named"),
}

# Every operation's success answers: (method, path) -> {status: response}.
SUCCESS: dict[tuple[str, str], dict[str, Schema]] = {
    ("post", "/v1/deployments/{name}/explain"): {"200": _json(EXPLAINED, "Each row explained")},
    ("post", "/v1/deployments/{name}/feedback"): {"200": _json(FEEDBACK, "What was kept")},
    ("get", "/api/v1/deployments"): {"200": _json(array(DEPLOYMENT), "Deployments")},
    ("post", "/api/v1/deployments"): {"201": _json(DEPLOYMENT, "The deployment created")},
    ("get", "/api/v1/deployments/{name}"): {"200": _json(DEPLOYMENT, "The deployment")},
    ("get", "/api/v1/deployments/{name}/revisions"): {
        "200": _json(array(REVISION), "Its routings, oldest first")
    },
    ("post", "/api/v1/deployments/{name}/canary"): {"200": _json(DEPLOYMENT, "New routes")},
    ("post", "/api/v1/deployments/{name}/shadow"): {"200": _json(DEPLOYMENT, "New routes")},
    ("post", "/api/v1/deployments/{name}/promote"): {"200": _json(DEPLOYMENT, "New routes")},
    ("post", "/api/v1/deployments/{name}/rollback"): {"200": _json(DEPLOYMENT, "New routes")},
    ("get", "/api/v1/deployments/{name}/predictions"): {
        "200": _json(array(LOGGED_ROW), "Logged rows: inputs, route, model and answer")
    },
    ("get", "/api/v1/deployments/{name}/compare"): {"200": _json(COMPARED, "The comparison")},
    ("get", "/api/v1/projects"): {"200": _json(array(PROJECT), "Projects")},
    ("post", "/api/v1/projects"): {"201": _json(PROJECT, "The project created")},
    ("get", "/api/v1/projects/{name}"): {"200": _json(PROJECT, "The project")},
    ("get", "/api/v1/datasets"): {"200": _json(array(DATASET_VERSION), "Dataset versions")},
    ("post", "/api/v1/datasets"): {
        "201": _json(ADDED_DATASET, "A new version"),
        "200": _json(ADDED_DATASET, "The same content is already this version"),
    },
    ("post", "/api/v1/datasets/{ref}/audit"): {"200": _json(AUDIT, "The audit's findings")},
    ("get", "/api/v1/runs"): {"200": _json(array(RUN), "Runs, newest first")},
    ("post", "/api/v1/runs"): {"202": _json(JOB, "The job, running: poll its url")},
    ("get", "/api/v1/jobs"): {"200": _json(array(JOB), "Jobs, newest first")},
    ("get", "/api/v1/jobs/{uid}"): {"200": _json(JOB, "The job, and its result once done")},
    ("get", "/api/v1/runs/{uid}"): {"200": _json(RUN, "The run")},
    ("get", "/api/v1/models"): {"200": _json(array(MODEL), "Model versions")},
    ("get", "/api/v1/models/{project}/{version}"): {"200": _json(MODEL, "The model version")},
    ("get", "/api/v1/models/{project}/{version}/evaluation"): {
        "200": _json(EVALUATION, "The newest evaluation")
    },
    ("post", "/api/v1/models/{project}/{version}/evaluate"): {
        "200": _json(EVALUATION, "The new evaluation")
    },
    ("get", "/api/v1/models/{project}/{version}/evaluation.html"): {
        "200": _text((HTML,), "The evaluation report")
    },
    ("get", "/api/v1/models/{project}/{version}/card"): {
        "200": _text((MARKDOWN, HTML), "The model card")
    },
    ("get", "/api/v1/models/{project}/{version}/gates"): {"200": _json(GATES, "Gate results")},
    ("get", "/api/v1/models/{project}/{version}/reviews"): {
        "200": _json(array(REVIEW), "Approvals and rejections")
    },
    ("post", "/api/v1/models/{project}/{version}/approve"): {"200": _json(REVIEW, "The review")},
    ("post", "/api/v1/models/{project}/{version}/reject"): {"200": _json(REVIEW, "The review")},
    ("post", "/api/v1/models/{project}/{version}/promote"): {
        "200": _json(STAGE_CHANGE, "The stage change")
    },
    ("post", "/api/v1/models/{project}/{version}/archive"): {
        "200": _json(STAGE_CHANGE, "The stage change")
    },
    ("post", "/api/v1/models/{project}/rollback"): {
        "200": _json(STAGE_CHANGE, "The version restored to production")
    },
    ("get", "/api/v1/events"): {"200": _json(array(EVENT), "Events, newest first")},
    ("get", "/api/v1/events/verify"): {"200": _json(VERIFIED, "The chain's verification")},
    ("get", "/api/v1/users"): {"200": _json(array(USER), "Users")},
    ("post", "/api/v1/users"): {"201": _json(USER, "The user added")},
    ("get", "/api/v1/tokens"): {"200": _json(array(TOKEN), "Tokens, without secrets")},
    ("post", "/api/v1/tokens"): {"201": _json(ISSUED_TOKEN, "The token, its secret shown once")},
    ("delete", "/api/v1/tokens"): {"200": _json(array(TOKEN), "The tokens revoked")},
    ("delete", "/api/v1/tokens/{token_id}"): {"200": _json(TOKEN, "The token revoked")},
    ("get", "/healthz"): {"200": _json(HEALTH, "The process is up")},
    ("get", "/readyz"): READINESS,
    ("get", "/ping"): READINESS,
    ("get", "/health"): READINESS,
    ("get", "/version"): {"200": _text(("text/plain",), "`modelward <version>`")},
    ("get", "/metrics"): {"200": _text(("text/plain",), "Prometheus text format")},
}

# What any operation may answer besides success: the server's one error body.
FAILURES = {
    "401": "Missing or invalid API token",
    "403": "The caller's role does not allow this (or a cross-site request)",
    "404": "No such resource",
    "409": "Conflicts with the current state (the message says which)",
    "413": "Body over the size limit",
    "422": "Invalid input: the message names the field, the value and the fix",
    "429": "Rate limit or work queue full; see Retry-After",
    "503": "A dependency (store, blob store, Redis) is unreachable",
}


def finish_document(document: Schema) -> Schema:
    """FastAPI's `document` with every success body and the real error body declared."""
    document.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR
    for schema in ("HTTPValidationError", "ValidationError"):
        document["components"]["schemas"].pop(schema, None)
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            declared = SUCCESS.get((method, path))
            if declared is not None:
                for status in [s for s in responses if s.startswith("2")]:
                    responses.pop(status)
                responses.update(declared)
            for status, description in FAILURES.items():
                if status not in responses or status == "422":
                    responses[status] = _json(error, description)
    return document
