"""Monitoring: drift, performance and staleness of deployments, alerts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.monitoring.alerts import (
        Alert as Alert,
        open_alerts as open_alerts,
    )
    from modelward.monitoring.drift import (
        ColumnDrift as ColumnDrift,
        DriftReport as DriftReport,
        Thresholds as Thresholds,
        compare as compare,
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
    from modelward.monitoring.service import (
        MonitorResult as MonitorResult,
        monitor_all as monitor_all,
        monitor_deployment as monitor_deployment,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
