"""Checks of `Session.stream` that hold for every executor: each test file runs them on its own."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from modelward.backends.executor import Session
from tests.unit.executor import trials


class Asker:
    """Hands out `items` one per call with `stop_at`, then None; counts its calls."""

    def __init__(self, items: list[Any], stop_at: float | None = None) -> None:
        self.items = list(items)
        self.stop_at = stop_at
        self.calls = 0

    def __call__(self) -> tuple[Any, float | None] | None:
        self.calls += 1
        return (self.items.pop(0), self.stop_at) if self.items else None


def results_come_in_finishing_order(session: Session, cars: dict[str, Any]) -> None:
    """A slow item holds one slot; the quick ones flow through the other, each as it ends."""
    slow = {"seed": 0, "alpha": 1.0, "pause": 1.5}
    quick = [{"seed": s, "alpha": 1.0, "pause": 0.05} for s in range(1, 5)]
    _warm(session)
    asker = Asker([slow, *quick])
    seen = []
    for item, result in session.stream(trials.slow_ridge, asker):
        assert result == trials.fit_ridge(cars, item)
        seen.append(item["seed"])
    assert seen == [1, 2, 3, 4, 0]
    assert asker.calls == 6  # five items and the None that ended the asking, nothing after


def _warm(session: Session) -> None:
    """Two workers up before the clock starts: items that overlap need a worker each (quick
    ones could all run on one, and a worker stopped by an earlier test is started anew)."""
    session.map(trials.slow_ridge, [{"seed": s, "alpha": 1.0, "pause": 0.5} for s in (0, 1)])


def work_past_its_stop_time_is_stopped(session: Session, tmp_path: Path) -> None:
    _warm(session)
    quick, late = tmp_path / "quick.txt", tmp_path / "late.txt"
    start = time.time()
    asker = Asker(
        [{"seconds": 0.0, "path": str(quick)}, {"seconds": 3.0, "path": str(late)}],
        stop_at=start + 1.0,
    )
    got = {item["path"]: result for item, result in session.stream(trials.sleep_then_touch, asker)}
    assert time.time() - start < 2.5
    assert got == {str(quick): str(quick), str(late): None}
    time.sleep(max(0.0, start + 3.5 - time.time()))
    assert not late.exists(), "the stopped item kept running"
    assert session.map(trials.count_calls, [7])[0] is not None


def closing_early_stops_the_rest(session: Session, tmp_path: Path) -> None:
    _warm(session)
    items = [{"seconds": 0.0, "path": str(tmp_path / "first.txt")}]
    items += [{"seconds": 4.0, "path": str(tmp_path / f"late{i}.txt")} for i in range(3)]
    stream = session.stream(trials.sleep_then_touch, Asker(items))
    first_item, first = next(stream)
    assert first == first_item["path"]
    stream.close()
    time.sleep(4.5)
    assert [p.name for p in tmp_path.iterdir()] == ["first.txt"]
    assert session.map(trials.count_calls, [7])[0] is not None


def an_error_is_raised_again(session: Session) -> None:
    with pytest.raises(ValueError, match="bad item 3"):
        list(session.stream(trials.fail, Asker([3])))
