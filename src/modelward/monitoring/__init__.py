"""Monitoring: drift, performance and staleness of deployments, alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.monitoring.alerts import (
        Alert as Alert,
        open_alerts as open_alerts,
        post_webhook as post_webhook,
    )
    from modelward.monitoring.drift import (
        ColumnDrift as ColumnDrift,
        DriftReport as DriftReport,
        Thresholds as Thresholds,
        compare as compare,
    )
    from modelward.monitoring.estimate import (
        KIND_VALUE as KIND_VALUE,
    )
    from modelward.monitoring.expected import (
        Expected as Expected,
    )
    from modelward.monitoring.health import (
        Finding as Finding,
        Severity as Severity,
    )
    from modelward.monitoring.history import (
        DriftSeries as DriftSeries,
        drift_series as drift_series,
    )
    from modelward.monitoring.profile import (
        Reference as Reference,
        fit_reference as fit_reference,
    )
    from modelward.monitoring.refusals import (
        REASONS as REASONS,
    )
    from modelward.monitoring.schedule import (
        MonitorSchedule as MonitorSchedule,
    )
    from modelward.monitoring.service import (
        MonitorResult as MonitorResult,
        monitor_all as monitor_all,
        monitor_deployment as monitor_deployment,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
