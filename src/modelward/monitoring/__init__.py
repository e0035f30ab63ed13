"""Monitoring: drift, performance and staleness of deployments, alerts."""

from modelward.monitoring.alerts import Alert, open_alerts
from modelward.monitoring.drift import ColumnDrift, DriftReport, Thresholds, compare
from modelward.monitoring.health import Finding, Severity
from modelward.monitoring.history import DriftSeries, drift_series
from modelward.monitoring.profile import Reference, fit_reference
from modelward.monitoring.service import MonitorResult, monitor_all, monitor_deployment

__all__ = [
    "Alert",
    "ColumnDrift",
    "DriftReport",
    "DriftSeries",
    "Finding",
    "MonitorResult",
    "Reference",
    "Severity",
    "Thresholds",
    "compare",
    "drift_series",
    "fit_reference",
    "monitor_all",
    "monitor_deployment",
    "open_alerts",
]
