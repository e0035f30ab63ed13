"""Serving: deployments and their routes, the scorer, the prediction log, feedback, comparison."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.serving.compare import (
        Comparison as Comparison,
        Decision as Decision,
        RouteSample as RouteSample,
        compare_routes as compare_routes,
    )
    from modelward.serving.comparison import (
        RouteReport as RouteReport,
        compare_deployment as compare_deployment,
    )
    from modelward.serving.contract import (
        as_number as as_number,
    )
    from modelward.serving.deployments import (
        create_deployment as create_deployment,
        get_deployment as get_deployment,
        list_deployments as list_deployments,
        promote_canary as promote_canary,
        revisions as revisions,
        rollback as rollback,
        set_canary as set_canary,
        set_shadow as set_shadow,
    )
    from modelward.serving.feedback import (
        FeedbackResult as FeedbackResult,
        read_feedback as read_feedback,
        record_feedback as record_feedback,
    )
    from modelward.serving.metrics import (
        ServingMetrics as ServingMetrics,
    )
    from modelward.serving.predlog import (
        PredictionLog as PredictionLog,
        read_predictions as read_predictions,
    )
    from modelward.serving.ratelimit import (
        Limiter as Limiter,
        open_limiter as open_limiter,
    )
    from modelward.serving.records import (
        Answers as Answers,
        Deployment as Deployment,
        DeploymentOptions as DeploymentOptions,
        Revision as Revision,
        RouteName as RouteName,
        Routes as Routes,
        Validation as Validation,
    )
    from modelward.serving.scorer import (
        Answer as Answer,
        Scorer as Scorer,
    )
    from modelward.serving.tokens import (
        IssuedToken as IssuedToken,
        api_tokens as api_tokens,
        create_api_token as create_api_token,
        revoke_api_token as revoke_api_token,
        revoke_user_tokens as revoke_user_tokens,
    )
    from modelward.serving.traffic import (
        TrafficCache as TrafficCache,
        TrafficSeries as TrafficSeries,
        traffic_series as traffic_series,
    )
    from modelward.serving.watch import (
        TrafficWatch as TrafficWatch,
        open_shared as open_shared,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
