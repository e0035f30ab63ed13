"""What the evaluation expected of the served policy: the yardstick for live value."""

from __future__ import annotations

from dataclasses import dataclass

from modelward.model import REFERENCE_NAMES, EvaluationReport
from modelward.monitoring.frames import label_text
from modelward.training import Target


@dataclass(frozen=True)
class Expected:
    """What the evaluation expected of the served policy (from its report's value section)."""

    gain_per_1000: float
    value_per_1000: float
    reference: str  # the key of the policy without a model gains are measured against
    acted: str  # the decision that means "acted on", as logged
    degenerate: str | None

    @classmethod
    def of(cls, report: EvaluationReport) -> Expected | None:
        value, policy = report.value, report.policy
        if value is None or policy is None:
            return None
        return cls(
            gain_per_1000=value.gain_per_1000,
            value_per_1000=value.value_per_1000,
            reference=value.reference,
            acted=label_text(policy.get("act")),
            degenerate=value.degenerate,
        )

    @property
    def reference_name(self) -> str:
        return REFERENCE_NAMES.get(self.reference, self.reference)


def acted_labels(target: Target, action: str | None, expected: Expected | None) -> set[str]:
    """The logged decisions that mean "acted on": the spec's action, the approved policy's,
    and the positive label (logs from before decisions were answered name it)."""
    found = {str(target.positive)}
    found |= set() if action is None else {action}
    return found | (set() if expected is None else {expected.acted})
