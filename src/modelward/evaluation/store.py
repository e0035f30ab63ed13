"""Keep and find evaluations of model versions in the metadata store."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from sqlalchemy import insert, select

from modelward.backends.store.tables import evaluations
from modelward.evaluation.records import StoredEvaluation
from modelward.events.log import utc_now
from modelward.registry.records import ModelVersion
from modelward.workspace import Workspace


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
