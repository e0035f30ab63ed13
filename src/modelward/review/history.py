"""Which version was in production when, since when, and who approved it — read off the chain.

The answer is derived from `model.stage_changed` events, not from the registry's current
columns, so it holds for any past moment and carries the chain's tamper evidence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from modelward.errors import InputError
from modelward.events import Event, list_events
from modelward.registry import Stage
from modelward.spec import get_project
from modelward.workspace import Workspace


@dataclass(frozen=True)
class ProductionSpell:
    """One version's time in production: [since, until), until None while it still is."""

    model: str
    since: str
    until: str | None
    promoted_by: str
    approved_by: str | None
    approved_at: str | None
    override: str | None
    event_seq: int

    def covers(self, moment: str) -> bool:
        return _ts(self.since) <= _ts(moment) and (
            self.until is None or _ts(moment) < _ts(self.until)
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "since": self.since,
            "until": self.until,
            "promoted_by": self.promoted_by,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "override": self.override,
            "event_seq": self.event_seq,
        }


def production_history(ws: Workspace, project: str) -> list[ProductionSpell]:
    """Every spell in production of the project's versions, oldest first."""
    get_project(ws, project)
    with ws.transaction() as conn:
        moves = list_events(conn, action="model.stage_changed", subject_prefix=f"model/{project}/")
    spells: list[ProductionSpell] = []
    for event in moves:
        payload = json.loads(event.payload)
        model = event.subject.removeprefix("model/")
        takes_over = payload.get("to") == Stage.PRODUCTION.value
        spells = [_closed(s, event) if takes_over or s.model == model else s for s in spells]
        if takes_over:
            spells.append(_opened(model, event, payload))
    return spells


def in_production_at(ws: Workspace, project: str, moment: str) -> ProductionSpell | None:
    """The spell covering `moment` (an ISO 8601 timestamp), or None if nothing was live."""
    when = parse_moment(moment)
    found = [s for s in production_history(ws, project) if s.covers(when)]
    return found[-1] if found else None


def parse_moment(text: str) -> str:
    """An ISO 8601 time (date alone means its midnight UTC), normalized to UTC."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError.field(
            "--at", text, "an ISO 8601 time such as 2026-11-30T12:00:00+00:00 or 2026-11-30"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.now().astimezone().tzinfo).astimezone()
    return moment.isoformat()


def _opened(model: str, event: Event, payload: dict[str, Any]) -> ProductionSpell:
    return ProductionSpell(
        model=model,
        since=event.time,
        until=None,
        promoted_by=event.actor,
        approved_by=payload.get("approved_by"),
        approved_at=payload.get("approved_at"),
        override=payload.get("override"),
        event_seq=event.seq,
    )


def _closed(spell: ProductionSpell, event: Event) -> ProductionSpell:
    """A spell ends when its version moves on, or another version takes production over."""
    if spell.until is not None:
        return spell
    return ProductionSpell(**{**spell.to_json(), "until": event.time})


def _ts(text: str) -> datetime:
    return datetime.fromisoformat(text)
