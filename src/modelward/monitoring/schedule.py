"""Monitoring inside the server: each deployment is checked every `interval_minutes` of its
project's spec, in a background thread, and the findings are exposed as Prometheus gauges.

Replicas of a server share the work through a lease per deployment in the store: the replica
that takes `monitor:<deployment>` runs the pass, and the lease, held for the interval, tells
the others it is done; if that replica dies, another takes over once the lease expires."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Gauge

from modelward.backends.store import LEASE_HOLDER, lease_holder, take_lease
from modelward.monitoring.alerts import latest_report
from modelward.monitoring.service import MonitorResult, monitor_deployment
from modelward.registry import get_model
from modelward.serving import list_deployments
from modelward.spec import get_project
from modelward.workspace import Workspace

log = logging.getLogger("modelward.monitoring")
ALERTING = ("warning", "critical")


class MonitorSchedule:
    """Thread-safe; `start()` begins the schedule, `close()` ends it."""

    def __init__(
        self,
        ws: Workspace,
        registry: CollectorRegistry,
        *,
        tick: float = 30.0,
        holder: str = LEASE_HOLDER,
        after_pass: Callable[[MonitorResult], object] | None = None,
    ) -> None:
        self._ws = ws
        self.tick = tick
        self.holder = holder  # this replica, as leases name it
        self.after_pass = after_pass  # e.g. the retraining policies, under the pass's lease
        self._last: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.value = Gauge(
            "modelward_monitor_value",
            "The latest monitored value per deployment, check and subject (PSI or JS distance "
            "for drift, accuracy or MAE for performance, days for staleness).",
            ["deployment", "kind", "subject"],
            registry=registry,
        )
        self.alerting = Gauge(
            "modelward_monitor_alerting",
            "Findings at warning or critical in the latest pass, per deployment.",
            ["deployment"],
            registry=registry,
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="monitor", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def run_due(self) -> list[MonitorResult]:
        """Monitor every deployment whose interval has passed since its last pass, here or on
        another replica (the lease says which). One deployment's failure is logged and does
        not hold the others back."""
        done = []
        for deployment in list_deployments(self._ws):
            try:
                result = self._run_one(deployment.name, deployment.routes.primary)
            except Exception:
                log.exception("monitoring pass of %s failed", deployment.name)
                continue
            if result is not None:
                done.append(result)
        return done

    def _run_one(self, name: str, primary: str) -> MonitorResult | None:
        interval = self._interval(primary)
        if time.monotonic() - self._last.get(name, -interval) < interval:
            return None
        self._last[name] = time.monotonic()
        lease = f"monitor:{name}"
        with self._ws.transaction() as conn:
            mine = take_lease(conn, lease, interval, holder=self.holder)
            held = None if mine else lease_holder(conn, lease)
        if held is not None:
            # Another replica ran this interval's pass: try again when its lease ends (it may
            # die), and show its findings here too, so every replica's /metrics agree.
            left = max(0.0, held[1] - time.time())
            self._last[name] = time.monotonic() - interval + left
            self._expose_stored(name)
            return None
        result = monitor_deployment(self._ws, name)
        self._expose(result)
        if self.after_pass is not None:
            self.after_pass(result)
        return result

    def _run(self) -> None:
        while not self._stop.wait(self.tick):
            try:
                self.run_due()
            except Exception:  # a failed pass is logged; the next tick tries again
                log.exception("monitoring pass failed")

    def _interval(self, model_ref: str) -> float:
        project = get_model(self._ws, model_ref).project
        return get_project(self._ws, project).spec.monitoring.interval_minutes * 60.0

    def _expose(self, result: MonitorResult) -> None:
        self._set(result.deployment, [f.to_json() for f in result.findings])

    def _expose_stored(self, name: str) -> None:
        """The gauges of the newest pass stored for `name` (run by another replica)."""
        report = latest_report(self._ws, name)
        if report is not None:
            self._set(name, report.get("findings", []))

    def _set(self, name: str, findings: list[dict[str, Any]]) -> None:
        alerting = 0
        for finding in findings:
            if finding.get("value") is not None:
                labels = (name, str(finding["kind"]), str(finding["subject"]))
                self.value.labels(*labels).set(float(finding["value"]))
            alerting += finding.get("severity") in ALERTING
        self.alerting.labels(name).set(alerting)
