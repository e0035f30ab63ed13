"""Feedback: the true outcome of a scored row, by the request id its prediction answered with.

Labels arrive later (a customer churns next month). Each one is stored against the deployment
and row id; a later label for the same row replaces the earlier one in every join.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import insert, select

from modelward.backends.store.tables import feedback
from modelward.errors import InputError
from modelward.events.log import utc_now
from modelward.serving.deployments import get_deployment
from modelward.workspace import Workspace

ROW_ID = re.compile(r"^[0-9a-f]{32}(:[0-9]{1,7})?$")
MAX_ITEMS = 10_000


@dataclass(frozen=True)
class FeedbackResult:
    deployment: str
    accepted: int

    def to_json(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "accepted": self.accepted}


def record_feedback(ws: Workspace, deployment: str, items: object) -> FeedbackResult:
    """Store `[{"request_id": ID, "label": VALUE}, ...]` in one transaction (all or nothing)."""
    get_deployment(ws, deployment)
    checked = _checked(items)
    now = utc_now()
    rows = [
        {
            "deployment": deployment,
            "request_id": request_id,
            "label": json.dumps(label),
            "created_at": now,
            "created_by": ws.actor,
        }
        for request_id, label in checked
    ]
    with ws.transaction() as conn:
        conn.execute(insert(feedback), rows)
        ws.record(conn, "feedback.recorded", f"deployment/{deployment}", {"rows": len(rows)})
    return FeedbackResult(deployment, len(rows))


def read_feedback(ws: Workspace, deployment: str) -> pl.DataFrame:
    """`request_id`, `label` (JSON text) and `created_at`, the newest label per row id."""
    query = (
        select(feedback.c.request_id, feedback.c.label, feedback.c.created_at)
        .where(feedback.c.deployment == deployment)
        .order_by(feedback.c.id)
    )
    with ws.transaction() as conn:
        rows = conn.execute(query).all()
    frame = pl.DataFrame(
        [tuple(r) for r in rows],
        schema={"request_id": pl.String, "label": pl.String, "created_at": pl.String},
        orient="row",
    )
    return frame.unique("request_id", keep="last", maintain_order=True)


def _checked(items: object) -> list[tuple[str, object]]:
    if not isinstance(items, Sequence) or isinstance(items, str | bytes) or not items:
        raise InputError.field("feedback", type(items).__name__, "a non-empty list of items")
    if len(items) > MAX_ITEMS:
        raise InputError.field("feedback", f"{len(items)} items", f"at most {MAX_ITEMS} per call")
    checked = []
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise InputError.field(f"feedback[{i}]", item, '{"request_id": ID, "label": VALUE}')
        request_id, label = item.get("request_id"), item.get("label")
        if not isinstance(request_id, str) or not ROW_ID.match(request_id):
            raise InputError.field(
                f"feedback[{i}].request_id", request_id, "an id a prediction answered with"
            )
        if label is None or isinstance(label, dict | list):
            raise InputError.field(f"feedback[{i}].label", label, "the true outcome (a value)")
        checked.append((request_id, label))
    return checked
