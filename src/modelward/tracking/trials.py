"""The trials of a run's search: written in one batch, read back in trial order."""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError as DbIntegrityError

from modelward.backends.store import runs, trials as trials_table
from modelward.errors import Conflict, InputError, NotFound
from modelward.tracking.service import get_run
from modelward.workspace import Workspace

TRIAL_STATES = ("complete", "pruned", "failed", "timeout")


@dataclass(frozen=True)
class TrialRecord:
    """One trial: a family and its params, how it ended, and its cross-validated score."""

    number: int
    family: str
    params: dict[str, Any]
    state: str
    score: float | None
    fold_scores: list[float]
    fit_seconds: float
    info: dict[str, Any]
    finished_at: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "family": self.family,
            "params": self.params,
            "state": self.state,
            "score": self.score,
            "fold_scores": self.fold_scores,
            "fit_seconds": self.fit_seconds,
            "info": self.info,
            "finished_at": self.finished_at,
        }


def record_trials(
    ws: Workspace,
    run_uid: str,
    trials: Sequence[TrialRecord],
    *,
    greater_is_better: bool = True,
) -> None:
    """Insert the trials in one transaction and record one `run.trials.logged` event.

    `greater_is_better` says which score is the best one named in the event. Raises
    `NotFound` for an unknown run, `InputError` for a bad trial and `Conflict` when a trial
    number of the run is already stored.
    """
    rows = [_row(trial) for trial in trials]
    if not rows:
        return
    numbers = Counter(trial.number for trial in trials)
    repeated = sorted(n for n, count in numbers.items() if count > 1)
    if repeated:
        raise InputError.field("trial numbers", repeated, "each number once per call")
    with ws.transaction() as conn:
        run_id = _run_id(conn, run_uid)
        for row in rows:
            row["run_id"] = run_id
        try:
            # A savepoint, so that a duplicate number surfaces as Conflict on every database.
            with conn.begin_nested():
                conn.execute(insert(trials_table), rows)
        except DbIntegrityError as exc:
            raise Conflict(f"run {run_uid[:8]}: some trial numbers are already logged") from exc
        payload = _summary(trials, greater_is_better=greater_is_better)
        ws.record(conn, "run.trials.logged", f"run/{run_uid}", payload)


def rank_trials(found: Sequence[TrialRecord]) -> list[TrialRecord]:
    """Scored trials best first (direction as recorded with them), then the unscored ones."""
    greater = not found or found[0].info.get("greater_is_better", True) is not False
    scored = [t for t in found if t.score is not None]
    scored.sort(key=lambda t: -(t.score or 0.0) if greater else (t.score or 0.0))
    return [*scored, *(t for t in found if t.score is None)]


def list_trials(ws: Workspace, run_uid: str) -> list[TrialRecord]:
    """The run's trials in trial order; the run may be named by a unique prefix of its id."""
    uid = get_run(ws, run_uid).uid
    with ws.transaction() as conn:
        found = conn.execute(
            select(trials_table)
            .join(runs, runs.c.id == trials_table.c.run_id)
            .where(runs.c.uid == uid)
            .order_by(trials_table.c.number)
        ).all()
    return [
        TrialRecord(
            number=r.number,
            family=r.family,
            params=json.loads(r.params),
            state=r.state,
            score=r.score,
            fold_scores=json.loads(r.fold_scores),
            fit_seconds=r.fit_seconds,
            info=json.loads(r.info),
            finished_at=r.finished_at,
        )
        for r in found
    ]


def _run_id(conn: Connection, uid: str) -> int:
    run_id = conn.execute(select(runs.c.id).where(runs.c.uid == uid)).scalar()
    if run_id is None:
        raise NotFound(f"run {uid!r} not found; see `modelward runs list`")
    return int(run_id)


def _row(trial: TrialRecord) -> dict[str, Any]:
    where = f"trial {trial.number}"
    if isinstance(trial.number, bool) or not isinstance(trial.number, int) or trial.number < 0:
        raise InputError.field("trial number", trial.number, "a whole number >= 0")
    if trial.state not in TRIAL_STATES:
        raise InputError.field(f"{where} state", trial.state, f"one of {', '.join(TRIAL_STATES)}")
    if not isinstance(trial.family, str) or not 1 <= len(trial.family) <= 64:
        raise InputError.field(f"{where} family", trial.family, "text of 1 to 64 characters")
    return {
        "number": trial.number,
        "family": trial.family,
        "params": _json(f"{where} params", trial.params),
        "state": trial.state,
        "score": None if trial.score is None else _finite(f"{where} score", trial.score),
        "fold_scores": _json(f"{where} fold_scores", list(trial.fold_scores)),
        "fit_seconds": _finite(f"{where} fit_seconds", trial.fit_seconds),
        "info": _json(f"{where} info", trial.info),
        "finished_at": trial.finished_at,
    }


def _finite(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError.field(name, value, "a finite number")
    return float(value)


def _json(name: str, value: object) -> str:
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise InputError.field(name, str(exc), "JSON-serializable, finite values") from exc


def _summary(found: Sequence[TrialRecord], *, greater_is_better: bool) -> dict[str, Any]:
    sign = 1.0 if greater_is_better else -1.0
    # Best score first; among equal scores the earliest trial wins.
    ranked = sorted(
        (-sign * t.score, t.number, t)
        for t in found
        if t.state == "complete" and t.score is not None
    )
    best = None
    if ranked:
        top = ranked[0][2]
        best = {"number": top.number, "family": top.family, "score": top.score}
    return {
        "count": len(found),
        "states": dict(sorted(Counter(t.state for t in found).items())),
        "direction": "max" if greater_is_better else "min",
        "best": best,
    }
