"""The management API reads and acts through the same core functions as the CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import modelward
from modelward.api.security import EdgeConfig
from modelward.serving.deployments import create_deployment
from modelward.serving.records import DeploymentOptions, Validation
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import churn_rows, running

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


def test_reads_of_every_stage(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    with running(served_home) as client:
        projects = client.get("/api/v1/projects").json()
        project = client.get("/api/v1/projects/churn").json()
        datasets = client.get("/api/v1/datasets").json()
        runs = client.get("/api/v1/runs", params={"project": "churn"}).json()
        run = client.get(f"/api/v1/runs/{runs[0]['uid']}").json()
        model = client.get("/api/v1/models/churn/v2").json()
        gates = client.get("/api/v1/models/churn/2/gates").json()
        reviews = client.get("/api/v1/models/churn/v1/reviews").json()
        events = client.get("/api/v1/events", params={"limit": 3}).json()
        verified = client.get("/api/v1/events/verify").json()
        revisions = client.get("/api/v1/deployments/default/revisions").json()
        missing = client.get("/api/v1/projects/nope")
        bad_limit = client.get("/api/v1/runs", params={"limit": 0})
    assert [p["name"] for p in projects] == ["churn"]
    assert project["spec"]["incumbent"]["otherwise"] == "No"
    assert len(datasets) == 1
    assert len(runs) == 3
    assert run["uid"] == runs[0]["uid"]
    assert model["ref"] == "churn/v2"
    assert gates["passed"] is True
    assert [r["actor"] for r in reviews] == ["risk-office"]
    assert len(events) == 3
    assert verified["ok"] is True
    assert [r["action"] for r in revisions] == ["create"]
    assert missing.status_code == 404
    assert bad_limit.status_code == 422


def test_decisions_follow_the_review_rules(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="root") as ws:
        approver = create_api_token(ws, "risk-office").token
        scientist = create_api_token(ws, "ana").token
    auth = EdgeConfig(auth=True)
    with running(served_home, edge=auth) as client:
        approved = client.post(
            "/api/v1/models/churn/v3/approve",
            json={"comment": "looked at it"},
            headers={"authorization": f"Bearer {approver}"},
        )
        promoted = client.post(
            "/api/v1/models/churn/v3/promote",
            json={"to": "production"},
            headers={"authorization": f"Bearer {scientist}"},
        )
        empty = client.post(
            "/api/v1/models/churn/v3/reject",
            json={"comment": ""},
            headers={"authorization": f"Bearer {approver}"},
        )
    assert approved.status_code == 200
    assert approved.json()["actor"] == "risk-office"
    assert promoted.status_code == 200
    assert promoted.json()["to"] == "production"
    assert empty.status_code == 422


def test_tokens_over_http_never_show_secrets_again(served_home: Path) -> None:
    with running(served_home, actor="root") as client:
        issued = client.post("/api/v1/tokens", json={"user": "vic", "label": "dashboard"})
        listed = client.get("/api/v1/tokens").json()
        revoked = client.delete(f"/api/v1/tokens/{issued.json()['token_id']}")
    assert issued.status_code == 201
    assert issued.json()["token"].startswith("mw_")
    assert all("token" not in t for t in listed)
    assert revoked.json()["status"] == "revoked"


def test_explain_a_row_through_the_deployment(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    with running(served_home) as client:
        found = client.post(
            "/v1/deployments/default/explain", json={"dataframe_records": churn_rows(2)}
        )
        many = client.post(
            "/v1/deployments/default/explain", json={"dataframe_records": churn_rows(101)}
        )
    body = found.json()
    assert found.status_code == 200, body
    assert body["model"] == "churn/v1"
    assert len(body["rows"]) == 2
    assert body["rows"][0]["contributions"]
    assert body["base_is_mean"] is True  # SHAP values of the probability, from the mean
    row = body["rows"][0]
    total = row["base"] + sum(c["contribution"] for c in row["contributions"])
    assert total == pytest.approx(row["prediction"], abs=1e-4)
    assert many.status_code == 422
    assert "records: got '101 rows'; expected at most 100 per request" in many.text


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"contract": "Weekly"}, r"records\[0\]\.contract: got 'Weekly'; expected one of"),
        ({"tenure": True}, r"records\[0\]\.tenure: got True; expected a number"),
        ({"tenure": "long"}, r"records\[0\]\.tenure: got 'long'; expected a number"),
    ],
)
def test_explain_refuses_what_predict_refuses(
    served_home: Path, change: dict[str, object], message: str
) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        options = DeploymentOptions(Validation.STRICT)
        create_deployment(ws, "default", "churn/v1", options=options)
    row = {**churn_rows(1)[0], **change}
    with running(served_home) as client:
        answers = [
            client.post(f"/v1/deployments/default/{path}", json={"dataframe_records": [row]})
            for path in ("predict", "explain")
        ]
    for answer in answers:
        assert answer.status_code == 422, answer.text
        assert re.search(message, answer.json()["error"]["message"]), answer.json()
