"""Tracking: runs, params, step metrics and lineage, for modelward's training and anyone's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.tracking.logger import (
        ActiveRun as ActiveRun,
    )
    from modelward.tracking.records import (
        MetricPoint as MetricPoint,
        Run as Run,
        RunStatus as RunStatus,
    )
    from modelward.tracking.service import (
        get_run as get_run,
        list_runs as list_runs,
        metric_history as metric_history,
        start_run as start_run,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
