"""Prometheus metrics of one server: its own registry, so several servers can live in a process."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0)


class ServingMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "modelward_predict_requests",
            "Prediction requests answered, by deployment, route and HTTP status.",
            ["deployment", "route", "status"],
            registry=self.registry,
        )
        self.rows = Counter(
            "modelward_predicted_rows",
            "Rows scored, by deployment and route (shadow included).",
            ["deployment", "route"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "modelward_predict_seconds",
            "Time to validate and score a request, by deployment and route.",
            ["deployment", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.shadow_errors = Counter(
            "modelward_shadow_errors",
            "Shadow scorings that failed (never seen by callers).",
            ["deployment"],
            registry=self.registry,
        )
        self.log_pending = Gauge(
            "modelward_prediction_log_pending_rows",
            "Scored rows buffered, not yet written to the prediction log.",
            registry=self.registry,
        )
        self.log_dropped = Gauge(
            "modelward_prediction_log_dropped_rows",
            "Rows dropped from the prediction log after a long write outage.",
            registry=self.registry,
        )
        self.refused = Counter(
            "modelward_refused_requests",
            "Requests refused at the edge, by reason (auth, rate, size, extraction).",
            ["reason"],
            registry=self.registry,
        )

        self.refused_rows = Counter(
            "modelward_refused_rows",
            "Rows refused by a deployment, by reason: contract (a value outside training under "
            "strict validation), input (a type or field the model cannot read), rate, "
            "extraction. They are logged beside the scored rows for monitoring.",
            ["deployment", "reason"],
            registry=self.registry,
        )
        self.out_of_contract = Counter(
            "modelward_out_of_contract_values",
            "Values scored although outside the training data's contract (flag validation), "
            "by deployment and field.",
            ["deployment", "field"],
            registry=self.registry,
        )

        self.load_failures = Counter(
            "modelward_deployment_load_failures",
            "Times a deployment's models could not be loaded (a changed reason counts anew); "
            "the deployment keeps its previous routes, if it had any, and every other one "
            "keeps serving.",
            ["deployment"],
            registry=self.registry,
        )
        self.degraded = Gauge(
            "modelward_deployment_degraded",
            "1 while a deployment's newest routes cannot be loaded, else 0.",
            ["deployment"],
            registry=self.registry,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)
