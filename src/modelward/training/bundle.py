"""The manifest of a model bundle: everything needed to score, next to the artifact files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelward.training.schema import build_schema

if TYPE_CHECKING:  # scoring reads BUNDLE_FORMAT here: it must not import the training machinery
    from modelward.training.metrics import Metric
    from modelward.training.prepare import Prepared
    from modelward.training.refit import FinalModel

BUNDLE_FORMAT = "modelward.bundle/1"


def build_bundle(
    prepared: Prepared,
    final: FinalModel,
    members: list[dict[str, Any]],
    metric: Metric,
    score: float,
) -> dict[str, Any]:
    target = prepared.target
    schema = build_schema(prepared.frame, prepared.plan, target.column)
    return {
        "format": BUNDLE_FORMAT,
        "target": target.to_json(),
        "plan": prepared.plan.to_json(),
        "encoders": {style.value: enc.to_json() for style, enc in final.encoders.items()},
        "members": members,
        "input_schema": schema.to_json(),
        "output_schema": output_schema(target.is_classification, list(target.classes)),
        "metric": metric.name,
        "cv_score": score,
    }


def output_schema(classification: bool, classes: list[Any]) -> dict[str, Any]:
    if not classification:
        return {"columns": [{"name": "prediction", "dtype": "Float64"}]}
    proba = [{"name": f"proba_{label}", "dtype": "Float64"} for label in classes]
    return {"columns": [{"name": "prediction", "classes": classes}, *proba]}
