"""Frozen records of the review stage: decisions on a model and stage moves."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import Row

from modelward.review.gates import GateReport


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"

    @property
    def past(self) -> str:
        return "approved" if self is Decision.APPROVE else "rejected"


@dataclass(frozen=True)
class Review:
    """One reviewer's decision on one model version, with the gates as they stood then."""

    id: int
    model: str
    decision: Decision
    actor: str
    role: str
    comment: str
    gates: GateReport
    created_at: str
    evaluation: int | None = None  # the evaluation decided on (its policy, when approved)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "decision": self.decision.value,
            "actor": self.actor,
            "role": self.role,
            "comment": self.comment,
            "gates": self.gates.to_json(),
            "created_at": self.created_at,
            "evaluation": self.evaluation,
        }

    @classmethod
    def from_row(cls, row: Row[Any], model: str) -> Review:
        return cls(
            id=row.id,
            model=model,
            decision=Decision(row.decision),
            actor=row.actor,
            role=row.role,
            comment=row.comment,
            gates=GateReport.from_json(json.loads(row.gates)),
            created_at=row.created_at,
            evaluation=row.evaluation_id,
        )


@dataclass(frozen=True)
class StageChange:
    """A model moved between stages; `replaced` is the production version it archived."""

    model: str
    from_stage: str
    to_stage: str
    actor: str
    approval: Review | None
    override: str | None  # the admin's written justification, when gates or approval were waived
    replaced: str | None
    gates: GateReport

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "from": self.from_stage,
            "to": self.to_stage,
            "actor": self.actor,
            "approval": None if self.approval is None else self.approval.to_json(),
            "override": self.override,
            "replaced": self.replaced,
            "gates": self.gates.to_json(),
        }
