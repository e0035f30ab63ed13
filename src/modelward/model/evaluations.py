"""Evaluations of model versions as stored: the report, the facts gates read, the HTML.

Defined below the stages that read them (the runtime reads the approved decision policy from
the newest report; review reads the facts; serving and monitoring read the policy's value).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Row, insert, select

from modelward.backends.store import evaluations, reviews
from modelward.events import utc_now
from modelward.model.report import EvaluationReport
from modelward.registry import ModelVersion
from modelward.workspace import Workspace


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

    @cached_property
    def typed_report(self) -> EvaluationReport:
        """The report's sections other stages read, as typed records."""
        return EvaluationReport.from_json(self.report)

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


def save_evaluation(
    ws: Workspace,
    model: ModelVersion,
    report: Mapping[str, Any],
    facts: Mapping[str, float],
    html: str,
) -> StoredEvaluation:
    """Store the HTML as a blob, then the report and its facts with a `model.evaluated` event."""
    html_blob = ws.blobs.put_bytes(html.encode("utf-8"))
    clean = {k: float(v) for k, v in facts.items() if math.isfinite(float(v))}
    with ws.transaction() as conn:
        inserted = conn.execute(
            insert(evaluations).values(
                model_version_id=model.id,
                report=json.dumps(report, sort_keys=True, allow_nan=False),
                facts=json.dumps(clean, sort_keys=True),
                html_blob=html_blob,
                created_at=utc_now(),
                created_by=ws.actor,
            )
        )
        payload = {"html_blob": html_blob, "facts": clean}
        ws.record(conn, "model.evaluated", f"model/{model.ref}", payload)
        new_id = inserted.inserted_primary_key
        assert new_id is not None
        row = conn.execute(select(evaluations).where(evaluations.c.id == new_id[0])).one()
    return StoredEvaluation.from_row(row, model.ref)


def latest_evaluation(ws: Workspace, model: ModelVersion) -> StoredEvaluation | None:
    with ws.transaction() as conn:
        row = conn.execute(
            select(evaluations)
            .where(evaluations.c.model_version_id == model.id)
            .order_by(evaluations.c.id.desc())
            .limit(1)
        ).first()
    return None if row is None else StoredEvaluation.from_row(row, model.ref)


APPROVE = "approve"  # review.records.Decision.APPROVE, which this layer may not import


def policy_evaluation(ws: Workspace, model: ModelVersion) -> StoredEvaluation | None:
    """The evaluation whose decision policy `model` applies: the one its standing approval
    (its newest review, when that approves) was given on; else its newest evaluation.

    So evaluating an approved model again changes no decision until it is approved again.
    """
    with ws.transaction() as conn:
        review = conn.execute(
            select(reviews.c.decision, reviews.c.evaluation_id)
            .where(reviews.c.model_version_id == model.id)
            .order_by(reviews.c.id.desc())
            .limit(1)
        ).first()
        if review is not None and review.decision == APPROVE and review.evaluation_id is not None:
            row = conn.execute(
                select(evaluations).where(evaluations.c.id == review.evaluation_id)
            ).first()
            if row is not None:
                return StoredEvaluation.from_row(row, model.ref)
    return latest_evaluation(ws, model)
