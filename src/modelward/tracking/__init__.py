"""Tracking: runs, params, step metrics and lineage, for modelward's training and anyone's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.tracking.liveness import (
        reap_lost_runs as reap_lost_runs,
    )
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
    from modelward.tracking.trials import (
        TrialRecord as TrialRecord,
        list_trials as list_trials,
        rank_trials as rank_trials,
        record_trials as record_trials,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
