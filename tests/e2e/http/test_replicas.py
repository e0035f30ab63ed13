"""Two server replicas sharing Redis enforce one rate limit per token."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

import modelward
from modelward.serving.tokens import create_api_token
from tests.e2e.http.conftest import Start, deploy_default
from tests.unit.serving.conftest import churn_rows

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

RATE = 5.0  # requests per second; the burst is two seconds' worth


def test_two_replicas_sharing_redis_enforce_one_limit(
    start: Start, served_copy: Path, redis_url: str
) -> None:
    deploy_default(served_copy)
    with modelward.open(home=served_copy, actor="root") as ws:
        issued = create_api_token(ws, "vic", label="replicas", rate_per_second=RATE)
    env = {"MODELWARD_REDIS_URL": redis_url}
    replicas = [start("--auth", env=env), start("--auth", env=env)]
    headers = {"authorization": f"Bearer {issued.token}"}
    body = {"instances": churn_rows(1)}
    accepted = 0
    began = time.monotonic()
    with httpx.Client(headers=headers) as client:
        for i in range(60):
            answer = client.post(f"{replicas[i % 2].url}/invocations", json=body)
            assert answer.status_code in (200, 429), answer.text
            accepted += answer.status_code == 200
    elapsed = time.monotonic() - began
    allowed = 2 * RATE + RATE * elapsed  # one bucket: burst plus what refilled meanwhile
    assert 2 * RATE <= accepted <= allowed + 1, (accepted, elapsed)
    # two separate in-process limits would have let through about twice as many
    assert accepted < 2 * (2 * RATE)
