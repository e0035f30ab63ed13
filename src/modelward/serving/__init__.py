"""Serving: deployments and their routes, the scorer, the prediction log, feedback, comparison."""

from modelward.serving.compare import Comparison, Decision, RouteSample, compare_routes
from modelward.serving.comparison import RouteReport, compare_deployment
from modelward.serving.deployments import (
    create_deployment,
    get_deployment,
    list_deployments,
    promote_canary,
    revisions,
    rollback,
    set_canary,
    set_shadow,
)
from modelward.serving.feedback import FeedbackResult, read_feedback, record_feedback
from modelward.serving.predlog import PredictionLog, read_predictions
from modelward.serving.records import (
    Deployment,
    DeploymentOptions,
    Revision,
    RouteName,
    Routes,
    Validation,
)
from modelward.serving.scorer import Answer, Scorer
from modelward.serving.tokens import IssuedToken, api_tokens, create_api_token, revoke_api_token
from modelward.serving.traffic import TrafficCache, TrafficSeries, traffic_series

__all__ = [
    "Answer",
    "Comparison",
    "Decision",
    "Deployment",
    "DeploymentOptions",
    "FeedbackResult",
    "IssuedToken",
    "PredictionLog",
    "Revision",
    "RouteName",
    "RouteReport",
    "RouteSample",
    "Routes",
    "Scorer",
    "TrafficCache",
    "TrafficSeries",
    "Validation",
    "api_tokens",
    "compare_deployment",
    "compare_routes",
    "create_api_token",
    "create_deployment",
    "get_deployment",
    "list_deployments",
    "promote_canary",
    "read_feedback",
    "read_predictions",
    "record_feedback",
    "revisions",
    "revoke_api_token",
    "rollback",
    "set_canary",
    "set_shadow",
    "traffic_series",
]
