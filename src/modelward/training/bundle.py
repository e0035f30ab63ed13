"""The manifest of a model bundle: everything needed to score, next to the artifact files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelward.training.manifest import MemberEntry, TabularManifest
from modelward.training.schema import build_schema

if TYPE_CHECKING:
    from modelward.training.metrics import Metric
    from modelward.training.prepare import Prepared
    from modelward.training.refit import FinalModel


def build_bundle(
    prepared: Prepared,
    final: FinalModel,
    members: list[dict[str, Any]],
    metric: Metric,
    score: float,
) -> TabularManifest:
    target = prepared.target
    schema = build_schema(prepared.frame, prepared.plan, target.column)
    return TabularManifest(
        target=target.to_json(),
        plan=prepared.plan.to_json(),
        encoders={style.value: enc.to_json() for style, enc in final.encoders.items()},
        members=tuple(MemberEntry.from_json(m) for m in members),
        input_schema=schema.to_json(),
        output_schema=output_schema(target.is_classification, list(target.classes)),
        metric=metric.name,
        cv_score=score,
    )


def output_schema(classification: bool, classes: list[Any]) -> dict[str, Any]:
    if not classification:
        return {"columns": [{"name": "prediction", "dtype": "Float64"}]}
    proba = [{"name": f"proba_{label}", "dtype": "Float64"} for label in classes]
    return {"columns": [{"name": "prediction", "classes": classes}, *proba]}
