"""Tokens that cannot escalate, replayed against real servers: a viewer minting, a token's own
rate over the server's, a revoked token on another replica, rotating self-minted tokens."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import modelward
from modelward.api.security import EdgeConfig
from modelward.errors import InputError
from modelward.serving.deployments import create_deployment
from modelward.serving.tokens import api_tokens, create_api_token
from tests.unit.api.conftest import churn_rows, running

AUTH = EdgeConfig(auth=True, rate=5.0)


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    return served_home


def bearer(home: Path, user: str) -> dict[str, str]:
    with modelward.open(home=home, actor="root") as ws:
        issued = create_api_token(ws, user, label="test")
    return {"authorization": f"Bearer {issued.token}"}


def test_a_viewer_mints_only_for_herself_and_never_above_the_server_s_rate(deployed: Path) -> None:
    viewer = bearer(deployed, "vic")
    body = {"instances": churn_rows(1)}
    with running(deployed, edge=AUTH) as client:
        other = client.post("/api/v1/tokens", json={"user": "ana"}, headers=viewer)
        own = client.post(
            "/api/v1/tokens", json={"user": "vic", "rate_per_second": 1_000_000}, headers=viewer
        )
        minted = {"authorization": f"Bearer {own.json()['token']}"}
        codes = [client.post("/invocations", json=body, headers=minted) for _ in range(40)]
    assert other.status_code == 403
    assert own.status_code == 201
    assert own.json()["role"] == "viewer"
    assert own.json()["parent"] == viewer["authorization"].split("_")[1]
    allowed = sum(c.status_code == 200 for c in codes)
    assert allowed <= 15  # the server's 5/s (a 10-request burst), not the token's million


def test_revoking_a_token_revokes_what_it_made_and_every_replica_refuses_it(
    deployed: Path,
) -> None:
    admin, viewer = bearer(deployed, "root"), bearer(deployed, "vic")
    with running(deployed, edge=AUTH) as one, running(deployed, edge=AUTH) as two:
        assert two.get("/api/v1/deployments", headers=viewer).status_code == 200  # cached
        child = one.post("/api/v1/tokens", json={"user": "vic"}, headers=viewer).json()
        viewer_id = viewer["authorization"].split("_")[1]
        revoked = one.delete(f"/api/v1/tokens/{viewer_id}?children=true", headers=admin)
        here = one.get("/api/v1/deployments", headers=viewer)
        time.sleep(0.6)  # within a second on every replica
        there = two.get("/api/v1/deployments", headers=viewer)
        made = two.get("/api/v1/deployments", headers={"authorization": f"Bearer {child['token']}"})
    assert revoked.status_code == 200, revoked.text
    assert here.status_code == 401
    assert there.status_code == 401
    assert made.status_code == 401
    with modelward.open(home=deployed) as ws:
        event = ws.read_events(subject=f"token/{viewer_id}", limit=1)[0]
    assert event.payload_data()["children"] == [child["token_id"]]


def test_every_token_of_a_user_is_revoked_at_once(deployed: Path) -> None:
    tokens = [bearer(deployed, "vic") for _ in range(3)]
    admin = bearer(deployed, "root")
    with running(deployed, edge=AUTH) as client:
        gone = client.delete("/api/v1/tokens", params={"user": "vic"}, headers=admin)
        after = [client.get("/api/v1/deployments", headers=t).status_code for t in tokens]
    assert gone.status_code == 200
    assert len(gone.json()) == 3
    assert after == [401, 401, 401]
    with modelward.open(home=deployed) as ws:
        assert {t.status() for t in api_tokens(ws, "vic")} == {"revoked"}


def test_the_cli_revokes_a_user_s_tokens(deployed: Path) -> None:
    from typer.testing import CliRunner

    from modelward.cli import app

    bearer(deployed, "vic")
    runner = CliRunner()
    home = ["--home", str(deployed)]
    done = runner.invoke(
        app, [*home, "tokens", "revoke", "--user", "vic"], env={"MODELWARD_USER": "root"}
    )
    neither = runner.invoke(app, [*home, "tokens", "revoke"], env={"MODELWARD_USER": "root"})
    assert done.exit_code == 0, done.output
    assert "1 token(s) of vic revoked" in done.output
    assert isinstance(neither.exception, InputError)  # exit 2 once `main` translates it
    assert "give a token id, or --user NAME" in str(neither.exception)


def test_limits_count_rows_per_user_across_tokens(deployed: Path) -> None:
    first, second, other = bearer(deployed, "vic"), bearer(deployed, "vic"), bearer(deployed, "ana")
    batch = {"instances": churn_rows(60)}
    one = {"instances": churn_rows(1)}
    with running(deployed, edge=AUTH) as client:
        big = client.post("/invocations", json=batch, headers=first)  # 60 rows at 5 rows/s
        rotated = client.post("/invocations", json=one, headers=second)
        elsewhere = client.post("/invocations", json=one, headers=other)
    assert big.status_code == 200
    assert rotated.status_code == 429  # a fresh token of the same user is the same bucket
    assert "5 rows/s for vic" in rotated.json()["error"]["message"]
    assert float(rotated.headers["retry-after"]) > 5  # the 60 rows are paid for
    assert elsewhere.status_code == 200


def test_without_auth_each_connection_has_its_own_bucket(deployed: Path) -> None:
    one = {"instances": churn_rows(1)}
    with running(deployed, edge=EdgeConfig(auth=False, rate=1.0, burst=1.0)) as client:
        # The server names the connection; a client naming itself anew each time is ignored.
        first = [
            client.post("/invocations", json=one, headers={"x-modelward-peer": f"spoof:{i}"})
            for i in range(3)
        ]
        with httpx.Client(base_url=str(client.base_url), timeout=30) as neighbour:
            second = neighbour.post("/invocations", json=one)
    assert [a.status_code for a in first] == [200, 429, 429]
    assert second.status_code == 200  # one busy local client does not use up another's rate
