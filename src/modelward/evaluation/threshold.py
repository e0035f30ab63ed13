"""The decision threshold an evaluation judges decisions at, and the sentence saying why.

The threshold itself is chosen with the rest of the decision policy (`policies`): by value
within the spec's fairness bounds when the spec has a value model, else 0.5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from modelward.evaluation.numbers import json_float


@dataclass(frozen=True)
class Threshold:
    """The threshold evaluation uses, how it was chosen and a sentence saying so."""

    value: float
    chosen_by: Literal["value", "default"]
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "value": json_float(self.value),
            "chosen_by": self.chosen_by,
            "sentence": self.sentence,
        }
