"""Tracking: runs, params, step metrics and lineage, for modelward's training and anyone's."""

from modelward.tracking.logger import ActiveRun
from modelward.tracking.records import MetricPoint, Run, RunStatus
from modelward.tracking.service import get_run, list_runs, metric_history, start_run

__all__ = [
    "ActiveRun",
    "MetricPoint",
    "Run",
    "RunStatus",
    "get_run",
    "list_runs",
    "metric_history",
    "start_run",
]
