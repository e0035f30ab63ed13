"""The OpenAPI document says what the server sends: every operation's success body, and the one
error body (`{"error": {"type", "message"}}`), checked against real answers of every endpoint."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

import modelward
from modelward.api.security import EdgeConfig
from modelward.serving.deployments import create_deployment
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import churn_rows, job_result, running

AUTH = EdgeConfig(auth=True)


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    return served_home


def bearer(home: Path, user: str) -> dict[str, str]:
    with modelward.open(home=home, actor="root") as ws:
        return {"authorization": f"Bearer {create_api_token(ws, user, label='api').token}"}


class Declared:
    """Answers checked against the document's declaration for their operation and status."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.seen: set[tuple[str, str]] = set()
        templates: list[str] = list(document["paths"])
        self._patterns = [
            (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", t) + "$"), t) for t in templates
        ]

    def check(self, answer: httpx.Response, expected: int = 200) -> Any:
        assert answer.status_code == expected, answer.text
        method = answer.request.method.lower()
        template = self._template(answer.request.url.path)
        declared = self.document["paths"][template][method]["responses"][str(expected)]
        kind = answer.headers["content-type"].split(";")[0]
        assert kind in declared["content"], (template, kind, list(declared["content"]))
        self.seen.add((method, template))
        if kind != "application/json":
            return str(answer.text)
        body = answer.json()
        schema = {**declared["content"][kind]["schema"], "components": self.document["components"]}
        jsonschema.validate(body, schema)
        return body

    def _template(self, path: str) -> str:
        matches: list[str] = [t for pattern, t in self._patterns if pattern.match(path)]
        return min(matches, key=lambda t: t.count("{"))  # a literal segment beats a parameter


def test_every_operation_declares_its_success_body_and_the_real_error_body(
    deployed: Path,
) -> None:
    with running(deployed) as client:
        document = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            success = [s for s in responses if s.startswith("2")]
            assert success, (method, path)
            for status in success:
                assert responses[status]["content"], (method, path, status)
                for content in responses[status]["content"].values():
                    assert content["schema"], (method, path, status)
            error = responses["422"]["content"]["application/json"]["schema"]
            assert error == {"$ref": "#/components/schemas/Error"}, (method, path)
            for status in ("401", "403", "404", "429"):
                assert status in responses, (method, path, status)


def test_real_answers_of_every_endpoint_match_the_document(deployed: Path) -> None:
    root, risk = bearer(deployed, "root"), bearer(deployed, "risk-office")
    with running(deployed, edge=AUTH) as client:
        declared = Declared(client.get("/openapi.json").json())
        _score_and_report(client, declared, root)
        _read_and_change_deployments(client, declared, root)
        _data_and_runs(client, declared, root)
        _models_and_decisions(client, declared, root, risk)
        _people_and_probes(client, declared, root)
        refused = client.get("/api/v1/runs/nope", headers=root)
        invalid = client.get("/api/v1/runs?limit=0", headers=root)
    for answer in (refused, invalid):
        jsonschema.validate(answer.json(), declared.document["components"]["schemas"]["Error"])
    every = {(m, p) for p, ops in declared.document["paths"].items() for m in ops}
    assert every - declared.seen == set()


def _score_and_report(client: httpx.Client, declared: Declared, auth: dict[str, str]) -> None:
    records = {"dataframe_records": churn_rows(2)}
    scored = declared.check(client.post("/invocations", json=records, headers=auth))
    declared.check(client.post("/v1/deployments/default/predict", json=records, headers=auth))
    declared.check(client.post("/v1/deployments/default/explain", json=records, headers=auth))
    label = {"feedback": [{"request_id": scored["request_id"], "row": 0, "label": "Yes"}]}
    declared.check(client.post("/v1/deployments/default/feedback", json=label, headers=auth))


def _read_and_change_deployments(
    client: httpx.Client, declared: Declared, auth: dict[str, str]
) -> None:
    base = "/api/v1/deployments"
    for path in ("", "/default", "/default/revisions", "/default/predictions", "/default/compare"):
        declared.check(client.get(base + path, headers=auth))
    new = {"name": "second", "model": "churn/v1"}
    declared.check(client.post(base, json=new, headers=auth), 201)
    declared.check(client.post(f"{base}/second/shadow", json={"model": "churn/v2"}, headers=auth))
    canary = {"model": "churn/v2", "weight": 10}
    declared.check(client.post(f"{base}/second/canary", json=canary, headers=auth))
    declared.check(client.post(f"{base}/second/promote", json={}, headers=auth))
    declared.check(client.post(f"{base}/second/rollback", json={}, headers=auth))


def _data_and_runs(client: httpx.Client, declared: Declared, auth: dict[str, str]) -> None:
    declared.check(client.get("/api/v1/projects", headers=auth))
    declared.check(client.get("/api/v1/projects/churn", headers=auth))
    spec = {"name": "other", "task": "binary", "target": "churn", "positive_label": "Yes"}
    declared.check(client.post("/api/v1/projects", json=spec, headers=auth), 201)
    declared.check(client.get("/api/v1/datasets", headers=auth))
    rows = churn_rows(300, target=True)
    columns = list(rows[0])
    csv = ",".join(columns) + "\n"
    csv += "\n".join(",".join("" if r[c] is None else str(r[c]) for c in columns) for r in rows)
    upload = {**auth, "content-type": "text/csv"}
    added = declared.check(
        client.post("/api/v1/datasets?name=uploaded", content=csv, headers=upload), 201
    )
    declared.check(client.post(f"/api/v1/datasets/{added['ref']}/audit", headers=auth))
    train = {"data": added["ref"], "target": "churn", "trials": 1, "families": ["linear"]}
    answer = client.post("/api/v1/runs", json=train, headers=auth)
    started = declared.check(answer, 202)
    assert job_result(client, answer, **auth)["status"] == "done"
    trained = declared.check(client.get(f"/api/v1/jobs/{started['job']}", headers=auth))["result"]
    declared.check(client.get("/api/v1/jobs", headers=auth))
    declared.check(client.get("/api/v1/runs", headers=auth))
    declared.check(client.get(f"/api/v1/runs/{trained['run']}", headers=auth))


def _models_and_decisions(
    client: httpx.Client, declared: Declared, auth: dict[str, str], approver: dict[str, str]
) -> None:
    base = "/api/v1/models"
    declared.check(client.get(base, headers=auth))
    declared.check(client.post(f"{base}/churn/v3/evaluate", headers=auth))
    for path in ("", "/evaluation", "/evaluation.html", "/card", "/gates", "/reviews"):
        declared.check(client.get(f"{base}/churn/v3{path}", headers=auth))
    note = {"comment": "checked against the document"}
    declared.check(client.post(f"{base}/churn/v3/approve", json=note, headers=approver))
    declared.check(client.post(f"{base}/churn/v3/reject", json=note, headers=approver))
    declared.check(client.post(f"{base}/churn/v2/promote", json={}, headers=auth))
    live = {"to": "production"}
    declared.check(client.post(f"{base}/churn/v1/promote", json=live, headers=approver))
    declared.check(client.post(f"{base}/churn/v2/promote", json=live, headers=approver))
    back = {"reason": "checked against the document"}
    declared.check(client.post(f"{base}/churn/rollback", json=back, headers=approver))
    declared.check(client.post(f"{base}/churn/v3/archive", json=note, headers=approver))


def _people_and_probes(client: httpx.Client, declared: Declared, auth: dict[str, str]) -> None:
    declared.check(client.get("/api/v1/events?limit=3", headers=auth))
    declared.check(client.get("/api/v1/events/verify", headers=auth))
    declared.check(client.get("/api/v1/users", headers=auth))
    declared.check(
        client.post("/api/v1/users", json={"name": "zed", "role": "viewer"}, headers=auth), 201
    )
    declared.check(client.get("/api/v1/tokens", headers=auth))
    issued = declared.check(client.post("/api/v1/tokens", json={"user": "zed"}, headers=auth), 201)
    declared.check(client.delete(f"/api/v1/tokens/{issued['token_id']}", headers=auth))
    declared.check(client.delete("/api/v1/tokens?user=zed", headers=auth))
    declared.check(client.get("/healthz"))
    declared.check(client.get("/readyz"))
    for mlflows in ("/ping", "/health", "/version"):  # what MLflow's clients poll
        declared.check(client.get(mlflows))
    declared.check(client.get("/metrics", headers=auth))
