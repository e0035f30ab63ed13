"""Feedback: the true outcome of a scored row, by the request id its prediction answered with.

Labels arrive later (a customer churns next month), and what they say decides monitoring's
alerts, route comparisons, retraining triggers and the ledger's realized value. So a label must
be an outcome the deployment's model can have (one of its classes; a finite number for a
regression or forecast; text of at most `MAX_LABEL` characters), the first label of a row is
the one kept, and a different later label is recorded as a dispute (an event naming who sent
it) rather than replacing it. Sending the same label again changes nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from sqlalchemy import insert, select

from modelward.backends.store import feedback
from modelward.errors import InputError
from modelward.events import utc_now
from modelward.registry import get_model
from modelward.serving.deployments import get_deployment
from modelward.workspace import Workspace

ROW_ID = re.compile(r"^[0-9a-f]{32}(:[0-9]{1,7})?$")
MAX_ITEMS = 10_000
MAX_LABEL = 200  # characters of a text label
DISPUTES_SHOWN = 100  # disputed rows an event lists (the count is always whole)


@dataclass(frozen=True)
class FeedbackResult:
    """Of the items sent: new labels kept, labels already known, and disputes (a different
    label for a row that had one: recorded, not applied)."""

    deployment: str
    accepted: int
    unchanged: int = 0
    disputed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "accepted": self.accepted,
            "unchanged": self.unchanged,
            "disputed": self.disputed,
        }


def record_feedback(ws: Workspace, deployment: str, items: object) -> FeedbackResult:
    """Store `[{"request_id": ID, "label": VALUE}, ...]` in one transaction (all or nothing).

    InputError names the item of a label the deployment's model cannot have.
    """
    outcome = _outcome_check(ws, get_deployment(ws, deployment).routes.primary)
    checked = [(r, json.dumps(outcome(i, label))) for i, (r, label) in enumerate(_checked(items))]
    now = utc_now()
    with ws.transaction() as conn:
        known = _known(conn, deployment, [r for r, _ in checked])
        fresh = {r: label for r, label in checked if r not in known}
        disputes = [
            (r, known[r], label) for r, label in checked if r in known and known[r] != label
        ]
        rows = [
            {
                "deployment": deployment,
                "request_id": request_id,
                "label": label,
                "created_at": now,
                "created_by": ws.actor,
            }
            for request_id, label in fresh.items()
        ]
        if rows:
            conn.execute(insert(feedback), rows)
        payload = {"rows": len(rows), "disputed": len(disputes)}
        ws.record(conn, "feedback.recorded", f"deployment/{deployment}", payload)
        if disputes:
            shown = [{"request_id": r, "kept": k, "sent": s} for r, k, s in disputes]
            listed = {"count": len(disputes), "rows": shown[:DISPUTES_SHOWN]}
            ws.record(conn, "feedback.disputed", f"deployment/{deployment}", listed)
    unchanged = len(checked) - len(fresh) - len(disputes)
    return FeedbackResult(deployment, len(rows), unchanged, len(disputes))


def _known(conn: Any, deployment: str, request_ids: list[str]) -> dict[str, str]:
    """The kept (first) label of each of `request_ids` that has one."""
    found: dict[str, str] = {}
    for start in range(0, len(request_ids), 500):
        chunk = request_ids[start : start + 500]
        query = (
            select(feedback.c.request_id, feedback.c.label)
            .where(feedback.c.deployment == deployment, feedback.c.request_id.in_(chunk))
            .order_by(feedback.c.id)
        )
        for request_id, label in conn.execute(query):
            found.setdefault(request_id, label)
    return found


def _outcome_check(ws: Workspace, ref: str) -> Any:
    """A function (item index, label) -> the label, or InputError naming the item: what the
    model behind the deployment can have as an outcome."""
    model = get_model(ws, ref)
    classes = _classes(model.output_schema)
    numeric = model.task in ("regression", "forecast")

    def check(i: int, label: object) -> object:
        field = f"feedback[{i}].label"
        if isinstance(label, str) and len(label) > MAX_LABEL:
            raise InputError.field(field, f"{len(label)} characters", f"at most {MAX_LABEL}")
        if numeric:
            if isinstance(label, bool) or not isinstance(label, int | float):
                raise InputError.field(field, label, "a number, the outcome's value")
            if isinstance(label, float) and not math.isfinite(label):
                raise InputError.field(field, label, "a finite number")
            return label
        if classes and str(label) not in {str(c) for c in classes}:
            shown = ", ".join(str(c) for c in classes[:20])
            raise InputError.field(field, label, f"one of the model's classes: {shown}")
        return label

    return check


def _classes(output_schema: Mapping[str, Any]) -> list[object]:
    for column in output_schema.get("columns", []):
        if column.get("name") == "prediction" and isinstance(column.get("classes"), list):
            return list(column["classes"])
    return []


def read_feedback(ws: Workspace, deployment: str) -> pl.DataFrame:
    """`request_id`, `label` (JSON text) and `created_at`: the first label of each row id, the
    one kept (a later one is a dispute, never applied)."""
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
    return frame.unique("request_id", keep="first", maintain_order=True)


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
