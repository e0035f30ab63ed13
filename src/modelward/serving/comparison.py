"""Comparing a deployment's routes from feedback: canary vs primary (A/B), shadow vs the model
that answered the same requests, and the spec's incumbent rule ("the traditional method") vs
the served model on the same requests.

Labelled rows come from joining the prediction log with feedback by row id. Classification is
judged by accuracy (1 when the answer's `prediction`, the most probable class, or the rule's
label equals the outcome), regression by absolute error; what the decisions were worth is
the evaluation's, the ledger's and monitoring's to say (`monitoring.value`). Each
pair goes through `compare_routes`, whose always-valid sequential test may be looked at after
every batch of labels.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.registry import get_model
from modelward.serving.compare import Comparison, RouteSample, compare_routes
from modelward.serving.deployments import get_deployment
from modelward.serving.feedback import read_feedback
from modelward.serving.predlog import read_predictions
from modelward.spec import IncumbentRule, get_project
from modelward.workspace import Workspace

SERVED = ("primary", "canary")
RULE = "incumbent rule"


@dataclass(frozen=True)
class RouteReport:
    deployment: str
    metric: str
    labelled: dict[str, int]
    comparisons: tuple[Comparison, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "metric": self.metric,
            "labelled": self.labelled,
            "comparisons": [c.to_json() for c in self.comparisons],
        }


def compare_deployment(ws: Workspace, name: str, *, min_samples: int = 200) -> RouteReport:
    """Every comparison the deployment's feedback allows, each with a recommendation."""
    deployment = get_deployment(ws, name)
    primary = get_model(ws, deployment.routes.primary)
    regression = primary.task == "regression"
    rows = _labelled(read_predictions(ws, name), read_feedback(ws, name), regression)
    sample = RouteSample.measurements if regression else RouteSample.outcomes
    metric = "absolute error" if regression else "accuracy"

    def compare(a: str, a_values: np.ndarray, b: str, b_values: np.ndarray) -> Comparison:
        return compare_routes(
            sample(a, a_values),
            sample(b, b_values),
            metric=metric,
            higher_is_better=not regression,
            min_samples=min_samples,
        )

    served = rows.filter(pl.col("route").is_in(SERVED))
    found = []
    canary = rows.filter(pl.col("route") == "canary")
    if canary.height:
        primary_rows = rows.filter(pl.col("route") == "primary")
        found.append(compare("primary", _scores(primary_rows), "canary", _scores(canary)))
    shadow = rows.filter(pl.col("route") == "shadow")
    if shadow.height:
        pairs = served.join(shadow, on="request_id", suffix="_shadow")
        found.append(compare("served", _scores(pairs), "shadow", _scores(pairs, "_shadow")))
    rule = get_project(ws, primary.project).spec.incumbent
    if rule is not None and served.height:
        found.append(
            compare(RULE, _rule_scores(rule, served, regression), "served", _scores(served))
        )
    labelled = {str(k): int(v) for k, v in rows.group_by("route").len().iter_rows()}
    return RouteReport(name, metric, labelled, tuple(found))


def _labelled(logged: pl.DataFrame, labels: pl.DataFrame, regression: bool) -> pl.DataFrame:
    """The logged rows with a label, oldest first, with `score` (1/0 correct, or |error|)."""
    joined = logged.join(labels.select("request_id", "label"), on="request_id", how="inner")
    decided = [_decision(text) for text in joined["prediction"]]
    truth = [json.loads(text) for text in joined["label"]]
    if regression:
        score = [_error(d, t) for d, t in zip(decided, truth, strict=True)]
    else:
        score = [
            float(d is not None and str(d) == str(t)) for d, t in zip(decided, truth, strict=True)
        ]
    return joined.with_columns(
        pl.Series("score", score, dtype=pl.Float64), pl.Series("truth", [str(t) for t in truth])
    ).filter(pl.col("score").is_not_nan())


def _scores(rows: pl.DataFrame, suffix: str = "") -> np.ndarray:
    return rows[f"score{suffix}"].to_numpy()


def _rule_scores(rule: IncumbentRule, rows: pl.DataFrame, regression: bool) -> np.ndarray:
    inputs = [json.loads(text) for text in rows["inputs"]]
    truth = rows["truth"].to_list()
    decided = [rule.decide(row) for row in inputs]
    if regression:
        return np.array([_error(d, t) for d, t in zip(decided, truth, strict=True)])
    return np.array([float(str(d) == t) for d, t in zip(decided, truth, strict=True)])


def _decision(text: str) -> object:
    answer = json.loads(text)
    return answer.get("prediction") if isinstance(answer, dict) else None


def _error(decided: object, truth: object) -> float:
    try:
        return abs(float(decided) - float(truth))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
