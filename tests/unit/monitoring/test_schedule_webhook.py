"""The server's monitoring schedule sets gauges; new alerts reach the spec's webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, generate_latest

import modelward
from modelward.backends.store import leases
from modelward.monitoring.alerts import post_webhook
from modelward.monitoring.schedule import MonitorSchedule
from modelward.serving.deployments import create_deployment

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A real HTTP endpoint on loopback that keeps what it is sent."""
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["content-length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return None

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_webhook_gets_the_body_and_failures_are_reported(
    receiver: tuple[str, list[dict[str, Any]]],
) -> None:
    url, received = receiver
    assert post_webhook(url, {"deployment": "churn-api", "alerts": [{"kind": "x"}]}) is None
    assert received == [{"deployment": "churn-api", "alerts": [{"kind": "x"}]}]
    failed = post_webhook("http://127.0.0.1:9/nowhere", {"a": 1})
    assert failed is not None
    assert failed.startswith("webhook http://127.0.0.1:9/nowhere:")


def test_the_schedule_runs_due_deployments_once_per_interval(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        registry = CollectorRegistry()
        schedule = MonitorSchedule(ws, registry, tick=3600)
        first = schedule.run_due()
        again = schedule.run_due()  # within the spec's interval (60 minutes): nothing due
    assert [r.deployment for r in first] == ["default"]
    assert again == []
    exposed = generate_latest(registry).decode()
    assert 'modelward_monitor_alerting{deployment="default"} 0.0' in exposed
    assert 'modelward_monitor_value{deployment="default",kind="staleness"' in exposed


def test_two_replicas_run_one_pass_per_interval_between_them(served_home: Path) -> None:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        registries = CollectorRegistry(), CollectorRegistry()
        first = MonitorSchedule(ws, registries[0], tick=3600, holder="replica-a")
        second = MonitorSchedule(ws, registries[1], tick=3600, holder="replica-b")
        ran = [schedule.run_due() for schedule in (first, second, second, first)]
        events = ws.read_events(action="monitor.ran", limit=10)
        with ws.transaction() as conn:
            held = leases.holder_of(conn, "monitor:default")
    assert [len(found) for found in ran] == [1, 0, 0, 0]
    assert len(events) == 1
    assert held is not None
    assert held[0] == "replica-a"
    assert held[1] > time.time() + 3_000  # for the spec's interval: 60 minutes
    exposed = [generate_latest(r).decode() for r in registries]
    staleness = [line for line in exposed[0].splitlines() if 'kind="staleness"' in line]
    assert staleness
    assert all(line in exposed[1] for line in staleness)  # both replicas show the one pass


def test_a_lease_goes_to_one_holder_until_it_expires(home: Path) -> None:
    with modelward.open(home=home) as ws, ws.transaction() as conn:
        assert leases.take(conn, "job", 60, holder="a")
        assert not leases.take(conn, "job", 60, holder="b")
        assert leases.take(conn, "job", 60, holder="a")  # its own: renewed
        assert leases.take(conn, "other", 60, holder="b")
        assert leases.take(conn, "short", -1, holder="a")  # expired at once
        assert leases.take(conn, "short", 60, holder="b")
