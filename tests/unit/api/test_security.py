"""The edge: API tokens, roles on every management endpoint, rate limits, extraction watch."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelward
from modelward.api.security import EdgeConfig
from modelward.serving.deployments import create_deployment
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import churn_rows, running

AUTH = EdgeConfig(auth=True)


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    return served_home


def token(home: Path, user: str, rate: float | None = None) -> dict[str, str]:
    with modelward.open(home=home, actor="root") as ws:
        issued = create_api_token(ws, user, label="test", rate_per_second=rate)
    return {"authorization": f"Bearer {issued.token}"}


def test_auth_on_needs_a_valid_token_except_for_probes(deployed: Path) -> None:
    body = {"instances": churn_rows(1)}
    viewer = token(deployed, "vic")
    with running(deployed, edge=AUTH) as client:
        assert client.get("/healthz").status_code == 200
        missing = client.post("/invocations", json=body)
        wrong = client.post("/invocations", json=body, headers={"authorization": "Bearer mw_x"})
        allowed = client.post("/invocations", json=body, headers=viewer)
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "modelward tokens create" in missing.json()["error"]["message"]
    assert wrong.status_code == 401
    assert allowed.status_code == 200


def test_roles_are_enforced_on_management_endpoints(deployed: Path) -> None:
    viewer, scientist = token(deployed, "vic"), token(deployed, "ana")
    approver = token(deployed, "risk-office")
    canary = {"model": "churn/v2", "weight": 20}
    with running(deployed, edge=AUTH) as client:
        listed = client.get("/api/v1/deployments", headers=viewer)
        refused = client.post("/api/v1/deployments/default/canary", json=canary, headers=viewer)
        changed = client.post("/api/v1/deployments/default/canary", json=canary, headers=scientist)
        users = client.post("/api/v1/users", json={"name": "x", "role": "viewer"}, headers=approver)
        models = client.get("/api/v1/models", params={"project": "churn"}, headers=viewer)
        bad_stage = client.get("/api/v1/models", params={"stage": "heaven"}, headers=viewer)
        approve_own = client.post(
            "/api/v1/models/churn/v3/approve", json={"comment": "mine"}, headers=scientist
        )
    assert listed.status_code == 200
    assert listed.json()[0]["routes"]["primary"] == "churn/v1"
    assert refused.status_code == 403
    assert "vic is a viewer" in refused.json()["error"]["message"]
    assert changed.status_code == 200
    assert changed.json()["routes"]["canary"] == "churn/v2"
    assert users.status_code == 403
    assert [m["ref"] for m in models.json()] == ["churn/v3", "churn/v2", "churn/v1"]
    assert bad_stage.status_code == 422
    assert approve_own.status_code == 403
    with modelward.open(home=deployed) as ws:
        events = ws.read_events(subject="deployment/default", limit=5)
        assert events[0].action == "deployment.canary_set"
        assert events[0].actor == "ana"  # the token's user, not the server's


def test_a_token_s_rate_limit_answers_429_with_retry_after(deployed: Path) -> None:
    limited = token(deployed, "vic", rate=1.0)
    body = {"instances": churn_rows(1)}
    with running(deployed, edge=AUTH) as client:
        codes = [client.post("/invocations", json=body, headers=limited) for _ in range(4)]
    statuses = [c.status_code for c in codes]
    assert statuses[:2] == [200, 200]  # the burst: two seconds' worth
    assert 429 in statuses[2:]
    refused = next(c for c in codes if c.status_code == 429)
    assert int(refused.headers["retry-after"]) >= 1


def test_an_unregistered_server_user_on_loopback_acts_as_itself(deployed: Path) -> None:
    with running(deployed, actor="ana") as client:
        made = client.post("/api/v1/deployments", json={"name": "second", "model": "churn/v2"})
        again = client.post("/api/v1/deployments", json={"name": "second", "model": "churn/v2"})
        unreviewed = client.post("/api/v1/deployments", json={"name": "third", "model": "churn/v3"})
    assert made.status_code == 201
    assert again.status_code == 409
    assert unreviewed.status_code == 409
    assert "passed review" in unreviewed.json()["error"]["message"]


def test_metrics_follow_auth(deployed: Path) -> None:
    """With auth on, metrics name deployments and callers' traffic: a scrape needs a token."""
    scraper = token(deployed, "vic")
    with running(deployed, edge=AUTH) as client:
        anonymous = client.get("/metrics")
        scraped = client.get("/metrics", headers=scraper)
        health = client.get("/healthz")
    assert anonymous.status_code == 401
    assert scraped.status_code == 200
    assert "modelward_" in scraped.text
    assert health.status_code == 200


def test_readiness_says_when_the_rate_limiter_s_redis_is_down(deployed: Path) -> None:
    limited = EdgeConfig(auth=False, rate=100.0)
    with running(deployed, edge=limited, redis_url="redis://127.0.0.1:1/0") as client:
        refused = client.post("/invocations", json={"instances": churn_rows(1)})
        ready = client.get("/readyz")
        alive = client.get("/healthz")
    assert refused.status_code == 503
    assert ready.status_code == 503
    assert any("Redis" in p for p in ready.json()["problems"])
    assert alive.status_code == 200
