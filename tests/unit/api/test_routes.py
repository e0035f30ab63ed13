"""Route switches reach a running server without a restart; shadows are logged, never returned;
extraction-like traffic raises an alert and a throttle."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
import redis

import modelward
from modelward.api.security import EdgeConfig
from modelward.datasets.service import list_versions
from modelward.serving.deployments import create_deployment, rollback, set_canary, set_shadow
from modelward.serving.predlog import read_predictions
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import churn_rows, running

BODY = {"instances": churn_rows(1)}


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    return served_home


def eventually(client: httpx.Client, check: Callable[[dict[str, object]], bool]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        answer = client.post("/invocations", json=BODY)
        assert answer.status_code == 200
        if check(answer.json()):
            return
        time.sleep(0.05)
    pytest.fail("the route switch did not reach the server")


def test_switches_take_effect_without_a_restart(deployed: Path) -> None:
    with running(deployed) as client, modelward.open(home=deployed, actor="ana") as ws:
        set_canary(ws, "default", "churn/v2", weight=100)
        eventually(client, lambda body: body["model"] == "churn/v2")
        rollback(ws, "default")
        eventually(client, lambda body: body["model"] == "churn/v1")


def test_a_request_key_pins_a_caller_to_one_route(deployed: Path) -> None:
    with modelward.open(home=deployed, actor="ana") as ws:
        set_canary(ws, "default", "churn/v2", weight=50)
    with running(deployed) as client:

        def model(key: str) -> str:
            headers = {"x-modelward-key": key}
            answer = client.post("/invocations", json=BODY, headers=headers)
            return str(answer.json()["model"])

        for key in ("customer-1", "customer-2", "customer-3"):
            assert len({model(key) for _ in range(8)}) == 1
        seen = {model(f"customer-{i}") for i in range(40)}
    assert seen == {"churn/v1", "churn/v2"}


def test_the_shadow_is_scored_and_logged_never_returned(deployed: Path) -> None:
    with modelward.open(home=deployed, actor="ana") as ws:
        set_shadow(ws, "default", "churn/v3")
    with running(deployed) as client:
        answers = [client.post("/invocations", json=BODY).json() for _ in range(5)]
    assert {a["model"] for a in answers} == {"churn/v1"}
    with modelward.open(home=deployed) as ws:
        logged = read_predictions(ws, "default")
    shadow = logged.filter(logged["route"] == "shadow")
    assert shadow["model"].to_list() == ["churn/v3"] * 5
    assert sorted(shadow["request_id"]) == sorted(a["request_id"] for a in answers)


def sweeper(home: Path) -> Callable[[int], list[dict[str, object]]]:
    """Rows sweeping the input space: each numeric feature uniform over its training range."""
    template = churn_rows(1)[0]
    rng = random.Random(0)
    with modelward.open(home=home) as ws:
        contract = list_versions(ws)[0].contract
    numeric = ("tenure", "monthly_charges", "total_charges")
    ranges = {}
    for name in numeric:
        column = contract.get(name)
        assert column is not None
        ranges[name] = (float(column.minimum or 0), float(column.maximum or 0))

    def rows(n: int) -> list[dict[str, object]]:
        swept = [{c: rng.uniform(*ranges[c]) for c in numeric} for _ in range(n)]
        return [{**template, **r, "tenure": round(r["tenure"])} for r in swept]  # months

    return rows


def test_extraction_like_traffic_raises_an_alert_and_a_throttle(deployed: Path) -> None:
    synthetic = sweeper(deployed)
    with running(deployed) as client:
        client.post("/invocations", json=BODY)  # the watch prepares its reference
        time.sleep(1.0)
        sweep = []
        for _ in range(12):
            rows = synthetic(50)
            sweep.append(client.post("/invocations", json={"instances": rows}).status_code)
            time.sleep(0.15)
        refused = [client.post("/invocations", json=BODY).status_code for _ in range(30)]
        metrics = client.get("/metrics").text
    with modelward.open(home=deployed) as ws:
        alerts = ws.read_events(action="extraction.suspected", limit=5)
    assert len(alerts) == 1
    assert json.loads(alerts[0].payload)["suspicious"] is True
    assert sweep[0] == 200
    assert set(sweep) <= {200, 429}  # once flagged, batches are throttled
    assert 429 in refused
    assert 'modelward_refused_requests_total{reason="extraction"}' in metrics


def test_extraction_spread_over_many_tokens_is_one_user_s(deployed: Path) -> None:
    synthetic = sweeper(deployed)
    with modelward.open(home=deployed, actor="root") as ws:
        tokens = [create_api_token(ws, "vic", label=f"rotating {i}").token for i in range(12)]
    with running(deployed, edge=EdgeConfig(auth=True)) as client:
        first = {"authorization": f"Bearer {tokens[0]}"}
        client.post("/invocations", json=BODY, headers=first)  # the watch prepares its reference
        time.sleep(1.0)
        for token in tokens:  # each token sends a batch: no single token looks like a sweep
            rotated = {"authorization": f"Bearer {token}"}
            client.post("/invocations", json={"instances": synthetic(50)}, headers=rotated)
            time.sleep(0.15)
    with modelward.open(home=deployed) as ws:
        alerts = ws.read_events(action="extraction.suspected", limit=5)
    assert len(alerts) == 1
    assert json.loads(alerts[0].payload)["caller"] == "user:vic"


def test_replicas_judge_a_sweep_spread_over_them_together(deployed: Path, redis_url: str) -> None:
    """Each replica sees 75 rows of the sweep, under the 100 a judgement needs; together,
    through Redis, they see 150 and one of them raises the one alert."""
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter("modelward:traffic:*"):
        client.delete(key)
    client.close()
    synthetic = sweeper(deployed)
    with modelward.open(home=deployed, actor="root") as ws:
        token = {"authorization": f"Bearer {create_api_token(ws, 'vic', label='sweep').token}"}
    edge = EdgeConfig(auth=True)
    with (
        running(deployed, edge=edge, redis_url=redis_url) as first,
        running(deployed, edge=edge, redis_url=redis_url) as second,
    ):
        for replica in (first, second):  # each watch prepares its reference
            replica.post("/invocations", json=BODY, headers=token)
        time.sleep(1.0)
        for i in range(6):
            replica = (first, second)[i % 2]
            rows = {"instances": synthetic(25)}
            assert replica.post("/invocations", json=rows, headers=token).status_code == 200
            time.sleep(0.3)
        time.sleep(1.5)  # a judgement a second, on each replica
    with modelward.open(home=deployed) as ws:
        alerts = ws.read_events(action="extraction.suspected", limit=5)
    assert len(alerts) == 1
    assert json.loads(alerts[0].payload)["caller"] == "user:vic"
