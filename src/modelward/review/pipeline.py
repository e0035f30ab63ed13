"""Train, evaluate and check the gates in one go: what `modelward train` runs by default."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelward.evaluation import evaluate_model
from modelward.model import StoredEvaluation
from modelward.review.facts import gate_report
from modelward.review.gates import GateReport
from modelward.workspace import Workspace

if TYPE_CHECKING:
    from modelward.training import OnTrial, TrainOptions, TrainResult

Step = Callable[[str], None]


class PhaseClock:
    """Seconds spent in each phase of the job, a phase ending where the next one's step is
    announced; each step is passed on to `then` (the CLI's progress line)."""

    def __init__(self, then: Step | None = None) -> None:
        self._then = then
        self._phase: str | None = None
        self._started = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def step(self, name: str) -> None:
        self._close()
        self._phase, self._started = name, time.perf_counter()
        if self._then is not None:
            self._then(name)

    def finish(self) -> dict[str, float]:
        self._close()
        self._phase = None
        return dict(self.seconds)

    def _close(self) -> None:
        if self._phase is not None:
            spent = time.perf_counter() - self._started
            self.seconds[self._phase] = round(self.seconds.get(self._phase, 0.0) + spent, 3)


@dataclass(frozen=True)
class Trained:
    """A trained candidate, its evaluation (unless skipped) and where it stands on the gates."""

    result: TrainResult
    evaluation: StoredEvaluation | None
    gates: GateReport | None
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase, in order

    def to_json(self) -> dict[str, Any]:
        body = self.result.to_json()
        body["phases"] = dict(self.phases)
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

    clock = PhaseClock(on_step)
    result = train(ws, data, options, on_trial=on_trial, on_step=clock.step)
    if not evaluate:
        return Trained(result, None, None, clock.finish())
    clock.step("evaluating")
    evaluation = evaluate_model(ws, result.model.ref, on_step=on_step)
    clock.step("checking the gates")
    gates = gate_report(ws, result.model)
    return Trained(result, evaluation, gates, clock.finish())
