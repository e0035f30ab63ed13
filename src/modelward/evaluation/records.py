"""The stored evaluation of a model version: its report, the facts gates read, its HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Row


@dataclass(frozen=True)
class StoredEvaluation:
    """One evaluation of one model version. The newest one is the version's current report."""

    id: int
    model: str
    report: dict[str, Any] = field(repr=False)
    facts: dict[str, float]
    html_blob: str
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "model": self.model,
            "facts": self.facts,
            "html_blob": self.html_blob,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "report": self.report,
        }

    @classmethod
    def from_row(cls, row: Row[Any], model: str) -> StoredEvaluation:
        return cls(
            id=row.id,
            model=model,
            report=json.loads(row.report),
            facts=json.loads(row.facts),
            html_blob=row.html_blob,
            created_at=row.created_at,
            created_by=row.created_by,
        )
