"""Reliability under load: a canary switch and a rollback mid-load fail no request; restarts
lose no deployment state; the prediction log keeps what a crash cannot take."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest

import modelward
from modelward.serving.predlog import read_predictions
from tests.e2e.http.conftest import Start, deploy_default, modelward as run_cli
from tests.unit.serving.conftest import churn_rows

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

ROWS = churn_rows(50)
LOAD_SECONDS = 60
CLIENTS = 4


class Load:
    """Clients posting single rows in a loop; counts answers by status and model."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.models: Counter[str] = Counter()
        self.failures: list[str] = []

    def client(self, offset: int) -> None:
        with httpx.Client(base_url=self.url, timeout=10) as client:
            i = offset
            while not self.stop.is_set():
                row = ROWS[i % len(ROWS)]
                try:
                    answer = client.post("/invocations", json={"instances": [row]})
                    model = answer.json().get("model", "") if answer.status_code == 200 else ""
                except httpx.HTTPError as exc:
                    with self.lock:
                        self.failures.append(repr(exc))
                    continue
                with self.lock:
                    self.statuses[answer.status_code] += 1
                    self.models[model] += 1
                i += CLIENTS

    def run(self, seconds: float, steps: list[tuple[float, list[str]]], home: Path) -> None:
        threads = [threading.Thread(target=self.client, args=(k,)) for k in range(CLIENTS)]
        for thread in threads:
            thread.start()
        started = time.monotonic()
        for at, args in steps:
            time.sleep(max(0.0, started + at - time.monotonic()))
            done = run_cli(home, *args)
            assert done.returncode == 0, done.stderr
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        self.stop.set()
        for thread in threads:
            thread.join()


def test_a_canary_switch_and_a_rollback_under_load_fail_no_request(
    start: Start, served_copy: Path
) -> None:
    deploy_default(served_copy)
    server = start()
    load = Load(server.url)
    steps = [
        (10.0, ["deploy", "canary", "default", "--model", "churn/v2", "--weight", "30"]),
        (25.0, ["deploy", "promote", "default"]),
        (40.0, ["deploy", "rollback", "default"]),
    ]
    load.run(LOAD_SECONDS, steps, served_copy)
    assert server.stop()
    assert load.failures == []
    assert set(load.statuses) == {200}, load.statuses
    assert load.models["churn/v1"] > 0
    assert load.models["churn/v2"] > 0
    with modelward.open(home=served_copy) as ws:
        logged = read_predictions(ws, "default")
    # a clean shutdown drained the log: every answered request is there
    assert logged.height == sum(load.statuses.values())


def test_a_restart_loses_no_deployment_state(start: Start, served_copy: Path) -> None:
    deploy_default(served_copy)
    first = start()
    switched = run_cli(
        served_copy, "deploy", "canary", "default", "--model", "churn/v2", "--weight", "100"
    )
    assert switched.returncode == 0
    assert first.stop()
    second = start()
    body = {"instances": ROWS[:1]}
    answer = httpx.post(f"{second.url}/invocations", json=body)
    routes = httpx.get(f"{second.url}/api/v1/deployments/default").json()["routes"]
    assert answer.json()["model"] == "churn/v2"
    assert routes == {
        "primary": "churn/v1",
        "canary": "churn/v2",
        "canary_weight": 100.0,
        "shadow": None,
    }


def test_a_crash_loses_at_most_one_log_interval(start: Start, served_copy: Path) -> None:
    deploy_default(served_copy)
    server = start("--log-interval", "0.5")
    answered = 0
    with httpx.Client(base_url=server.url) as client:
        for row in ROWS * 4:
            assert client.post("/invocations", json={"instances": [row]}).status_code == 200
            answered += 1
    time.sleep(1.5)  # more than one interval: everything answered so far must be durable
    server.crash()
    with modelward.open(home=served_copy) as ws:
        assert read_predictions(ws, "default").height == answered
