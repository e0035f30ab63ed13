"""What a training job produced, whatever the problem type."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from modelward.registry import ModelVersion


@dataclass(frozen=True)
class TrainResult:
    """What a training job produced; `to_json()` is the `train --json` contract."""

    run: str
    model: ModelVersion
    metric: str
    score: float
    dataset: str
    task: str
    members: tuple[dict[str, Any], ...]
    trials: int
    seconds: float
    budget: float | None
    notes: tuple[str, ...] = ()
    leaderboard: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "model": self.model.ref,
            "metric": self.metric,
            "score": self.score,
            "project": self.model.project,
            "dataset": self.dataset,
            "task": self.task,
            "members": list(self.members),
            "trials": self.trials,
            "seconds": round(self.seconds, 2),
            "budget": self.budget,
            "notes": list(self.notes),
            "leaderboard": list(self.leaderboard),
        }
