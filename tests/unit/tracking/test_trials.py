"""A run's trials: written in one batch with one event, read back in order."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import modelward
from modelward.errors import Conflict, InputError, NotFound
from modelward.tracking.trials import TrialRecord, list_trials, record_trials


@pytest.fixture
def ws(tmp_path: Path, store_url: str) -> Iterator[modelward.Workspace]:
    with modelward.open(home=tmp_path / "ws", store_url=store_url, actor="ana") as opened:
        yield opened


def _trial(number: int, **overrides: Any) -> TrialRecord:
    fields: dict[str, Any] = {
        "number": number,
        "family": "lightgbm",
        "params": {"learning_rate": 0.05, "num_leaves": 31 + number},
        "state": "complete",
        "score": 0.80 + number / 100,
        "fold_scores": [0.79, 0.81, 0.80],
        "fit_seconds": 1.5,
        "info": {"rounds": [120, 130, 110], "error": None},
        "finished_at": "2026-01-01T00:00:00+00:00",
    }
    fields.update(overrides)
    return TrialRecord(**fields)


def _run(ws: modelward.Workspace) -> str:
    with ws.start_run(name="search") as run:
        pass
    return run.uid


def test_trials_read_back_in_order(ws: modelward.Workspace) -> None:
    uid = _run(ws)
    written = [
        _trial(2),
        _trial(0, family="logistic", params={"C": 1.0}),
        _trial(1, state="pruned", score=None, fold_scores=[0.6], finished_at=None),
    ]
    record_trials(ws, uid, written)
    found = list_trials(ws, uid[:8])
    assert [t.number for t in found] == [0, 1, 2]
    assert found == sorted(written, key=lambda t: t.number)
    assert found[1].to_json()["score"] is None


def test_one_event_per_batch_names_the_count_and_best(ws: modelward.Workspace) -> None:
    uid = _run(ws)
    record_trials(ws, uid, [_trial(0, score=0.9), _trial(1, score=0.7), _trial(2, state="failed")])
    record_trials(ws, uid, [_trial(3, score=0.2, family="ridge")], greater_is_better=False)
    first, second = reversed(ws.read_events(action="run.trials.logged"))
    assert first.subject == f"run/{uid}"
    assert first.payload_data() == {
        "count": 3,
        "states": {"complete": 2, "failed": 1},
        "direction": "max",
        "best": {"number": 0, "family": "lightgbm", "score": 0.9},
    }
    assert second.payload_data()["best"] == {"number": 3, "family": "ridge", "score": 0.2}
    assert ws.verify_events().ok


def test_lower_is_better_picks_the_smallest_score(ws: modelward.Workspace) -> None:
    uid = _run(ws)
    record_trials(ws, uid, [_trial(0, score=3.0), _trial(1, score=2.0)], greater_is_better=False)
    (event,) = ws.read_events(action="run.trials.logged")
    assert event.payload_data()["best"]["number"] == 1


def test_an_empty_batch_writes_nothing(ws: modelward.Workspace) -> None:
    uid = _run(ws)
    record_trials(ws, uid, [])
    assert list_trials(ws, uid) == []
    assert ws.read_events(action="run.trials.logged") == []


def test_a_number_already_logged_is_a_conflict(ws: modelward.Workspace) -> None:
    uid = _run(ws)
    record_trials(ws, uid, [_trial(0)])
    with pytest.raises(Conflict, match="trial numbers are already logged"):
        record_trials(ws, uid, [_trial(1), _trial(0)])
    assert [t.number for t in list_trials(ws, uid)] == [0]
    assert len(ws.read_events(action="run.trials.logged")) == 1


def test_unknown_run_is_not_found(ws: modelward.Workspace) -> None:
    with pytest.raises(NotFound, match="run 'f00df00d' not found"):
        record_trials(ws, "f00df00d", [_trial(0)])
    with pytest.raises(NotFound, match="see `modelward runs list`"):
        list_trials(ws, "f00df00d")


@pytest.mark.parametrize(
    ("trials", "message"),
    [
        ([_trial(0), _trial(0)], r"trial numbers: got \[0\]; expected each number once"),
        ([_trial(-1)], "trial number: got -1"),
        ([_trial(0, state="done")], "trial 0 state: got 'done'; expected one of complete"),
        ([_trial(0, family="")], "trial 0 family: got ''"),
        ([_trial(0, score=float("nan"))], "trial 0 score: got nan; expected a finite number"),
        ([_trial(0, fit_seconds=None)], "trial 0 fit_seconds: got None"),
        ([_trial(0, fold_scores=[float("inf")])], "trial 0 fold_scores: .*JSON-serializable"),
        ([_trial(0, params={"f": object()})], "trial 0 params: .*JSON-serializable"),
    ],
)
def test_bad_trials_are_refused(
    ws: modelward.Workspace, trials: list[TrialRecord], message: str
) -> None:
    uid = _run(ws)
    with pytest.raises(InputError, match=message):
        record_trials(ws, uid, trials)
    assert list_trials(ws, uid) == []


def test_rank_trials_follows_the_recorded_direction() -> None:
    from modelward.tracking.trials import rank_trials

    def trial(number: int, score: float | None, greater: bool) -> TrialRecord:
        info = {"greater_is_better": greater}
        return TrialRecord(number, "f", {}, "complete", score, [], 0.0, info, None)

    losses = [trial(0, 3.0, False), trial(1, None, False), trial(2, 1.0, False)]
    assert [t.number for t in rank_trials(losses)] == [2, 0, 1]
    scores = [trial(0, 0.7, True), trial(1, 0.9, True)]
    assert [t.number for t in rank_trials(scores)] == [1, 0]
