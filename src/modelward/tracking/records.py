"""Frozen records and states of the tracking stage."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class RunStatus(StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    KILLED = "killed"

    @property
    def is_terminal(self) -> bool:
        return self is not RunStatus.RUNNING

    def can_move_to(self, other: RunStatus) -> bool:
        """Only a running run ends, and it ends once."""
        return self is RunStatus.RUNNING and other.is_terminal


@dataclass(frozen=True)
class Run:
    """One training job: what it ran on, what it was given, what it measured."""

    uid: str
    name: str
    status: RunStatus
    project: str | None
    dataset: str | None
    started_at: str
    ended_at: str | None
    wall_seconds: float | None
    cpu_seconds: float | None
    created_by: str
    params: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    lineage: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "name": self.name,
            "status": self.status.value,
            "project": self.project,
            "dataset": self.dataset,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "wall_seconds": self.wall_seconds,
            "cpu_seconds": self.cpu_seconds,
            "created_by": self.created_by,
            "params": self.params,
            "metrics": self.metrics,
            "tags": self.tags,
            "lineage": self.lineage,
        }


@dataclass(frozen=True)
class MetricPoint:
    key: str
    step: int
    value: float
    time: float
