"""What the evaluation expected of the served policy: the yardstick for live value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelward.model import EVERYONE, REFERENCE_NAMES
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
    def of(cls, report: Mapping[str, Any]) -> Expected | None:
        value, policy = report.get("value"), report.get("policy")
        if not isinstance(value, Mapping) or not isinstance(policy, Mapping):
            return None
        decision, model = value.get("decision"), value.get("model")
        gain = value.get("gain_per_1000")
        worth = model.get("value_per_1000") if isinstance(model, Mapping) else None
        if not isinstance(decision, Mapping) or gain is None or worth is None:
            return None
        return cls(
            gain_per_1000=float(gain),
            value_per_1000=float(worth),
            reference=str(decision.get("reference_key", EVERYONE)),
            acted=label_text(policy.get("act")),
            degenerate=decision.get("degenerate") or None,
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
