"""Train, evaluate and check the gates in one go: what `modelward train` runs by default."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from modelward.evaluation import evaluate_model
from modelward.model import StoredEvaluation
from modelward.review.facts import gate_report
from modelward.review.gates import GateReport
from modelward.workspace import Workspace

if TYPE_CHECKING:
    from modelward.training import OnTrial, TrainOptions, TrainResult

Step = Callable[[str], None]


@dataclass(frozen=True)
class Trained:
    """A trained candidate, its evaluation (unless skipped) and where it stands on the gates."""

    result: TrainResult
    evaluation: StoredEvaluation | None
    gates: GateReport | None

    def to_json(self) -> dict[str, Any]:
        body = self.result.to_json()
        if self.evaluation is not None:
            body["evaluation"] = {
                "summary": list(self.evaluation.typed_report.summary),
                "facts": self.evaluation.facts,
                "html_blob": self.evaluation.html_blob,
            }
        if self.gates is not None:
            body["gates"] = self.gates.to_json()
        return body


def train_and_review(
    ws: Workspace,
    data: str,
    options: TrainOptions,
    *,
    evaluate: bool = True,
    on_trial: OnTrial | None = None,
    on_step: Step | None = None,
) -> Trained:
    """Train a candidate on `data`; evaluate it and check the spec's gates unless told not to."""
    from modelward.training import train

    result = train(ws, data, options, on_trial=on_trial, on_step=on_step)
    if not evaluate:
        return Trained(result, None, None)
    evaluation = evaluate_model(ws, result.model.ref, on_step=on_step)
    return Trained(result, evaluation, gate_report(ws, result.model))
