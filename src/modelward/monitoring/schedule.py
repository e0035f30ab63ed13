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

from prometheus_client import CollectorRegistry, Gauge

from modelward.backends.store import leases
from modelward.monitoring.service import MonitorResult, monitor_deployment
from modelward.registry.service import get_model
from modelward.serving.deployments import list_deployments
from modelward.spec.service import get_project
from modelward.workspace import Workspace

log = logging.getLogger("modelward.monitoring")


class MonitorSchedule:
    """Thread-safe; `start()` begins the schedule, `close()` ends it."""

    def __init__(
        self,
        ws: Workspace,
        registry: CollectorRegistry,
        *,
        tick: float = 30.0,
        holder: str = leases.HOLDER,
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
        another replica (the lease says which)."""
        done = []
        for deployment in list_deployments(self._ws):
            interval = self._interval(deployment.routes.primary)
            if time.monotonic() - self._last.get(deployment.name, -interval) < interval:
                continue
            self._last[deployment.name] = time.monotonic()
            with self._ws.transaction() as conn:
                mine = leases.take(conn, f"monitor:{deployment.name}", interval, holder=self.holder)
            if not mine:
                continue  # another replica ran this interval's pass
            result = monitor_deployment(self._ws, deployment.name)
            self._expose(result)
            if self.after_pass is not None:
                self.after_pass(result)
            done.append(result)
        return done

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
        for finding in result.findings:
            if finding.value is not None:
                labels = (result.deployment, finding.kind, finding.subject)
                self.value.labels(*labels).set(finding.value)
        self.alerting.labels(result.deployment).set(len(result.alerting))
