"""The local process pool: order, shared sent once, deadlines, errors and dead workers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modelward.backends.executor import Session, open_executor
from modelward.errors import BackendError, InputError
from tests.unit.executor import streaming, trials


@pytest.fixture(scope="module")
def pool(cars: dict[str, Any]) -> Iterator[Session]:
    executor = open_executor("local", workers=2)
    with executor.session(cars) as session:
        yield session
    executor.close()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_results_come_back_in_item_order(
    pool: Session, cars: dict[str, Any], ridge_items: list[dict[str, Any]]
) -> None:
    # Later items sleep less, so they finish first.
    items = [{**item, "pause": 0.05 * (len(ridge_items) - i)} for i, item in enumerate(ridge_items)]
    expected = [trials.fit_ridge(cars, item) for item in ridge_items]
    assert pool.map(trials.slow_ridge, items) == expected


def test_shared_reaches_each_worker_once_and_closing_stops_them() -> None:
    executor = open_executor("local", workers=2)
    with executor.session({"calls": 0}) as session:
        assert session.map(trials.count_calls, []) == []
        first = session.map(trials.count_calls, list(range(8)))
        second = session.map(trials.count_calls, list(range(8, 12)))
    results = [r for r in (*first, *second) if r is not None]
    assert [item for _pid, _calls, item in results] == list(range(12))
    calls_by_pid: dict[int, list[int]] = {}
    for pid, calls, _item in results:
        calls_by_pid.setdefault(pid, []).append(calls)
    # Each worker's own copy of shared counted every item it ran, across both maps: one copy.
    assert len(calls_by_pid) <= 2
    for counts in calls_by_pid.values():
        assert counts == list(range(1, len(counts) + 1))
    assert not any(_alive(pid) for pid in calls_by_pid), "a worker outlived its session"
    with pytest.raises(BackendError, match="session is closed"):
        session.map(trials.count_calls, [0])
    executor.close()


def test_deadline_stops_late_items_and_the_session_recovers(
    pool: Session, tmp_path: Path, cars: dict[str, Any], ridge_items: list[dict[str, Any]]
) -> None:
    pool.map(trials.fit_ridge, ridge_items[:2])  # workers up before the clock starts
    quick, late = tmp_path / "quick.txt", tmp_path / "late.txt"
    items = [{"seconds": 0.0, "path": str(quick)}, {"seconds": 3.0, "path": str(late)}]
    start = time.time()
    results = pool.map(trials.sleep_then_touch, items, deadline=start + 0.5)
    assert time.time() - start < 1.5
    assert results == [str(quick), None]
    time.sleep(max(0.0, start + 3.5 - time.time()))
    assert not late.exists(), "the late item kept running after the deadline"
    expected = [trials.fit_ridge(cars, item) for item in ridge_items]
    assert pool.map(trials.fit_ridge, ridge_items) == expected


def test_a_past_deadline_runs_nothing(pool: Session, tmp_path: Path) -> None:
    item = {"seconds": 0.0, "path": str(tmp_path / "never.txt")}
    assert pool.map(trials.sleep_then_touch, [item, item], deadline=time.time() - 1) == [None, None]
    assert not (tmp_path / "never.txt").exists()


def test_an_exception_in_fn_is_raised_again(pool: Session, cars: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="bad item 3") as info:
        pool.map(trials.fail, [3])
    assert "raised in a worker" in "\n".join(info.value.__notes__)
    assert pool.map(trials.fit_ridge, [{"seed": 1, "alpha": 1.0}]) == [
        trials.fit_ridge(cars, {"seed": 1, "alpha": 1.0})
    ]


def test_an_exception_that_cannot_travel_becomes_a_backend_error(pool: Session) -> None:
    with pytest.raises(BackendError, match="raised LockedError: locked item 2"):
        pool.map(trials.fail_unpicklable, [2])


@pytest.mark.parametrize(
    ("fn", "message"),
    [(trials.exit_with, "exited with code 3"), (trials.kill_self, "killed by SIGKILL")],
)
def test_a_dead_worker_is_a_backend_error_not_a_hang(
    pool: Session, cars: dict[str, Any], fn: Any, message: str
) -> None:
    with pytest.raises(BackendError, match=f"worker died while running item 0: .*{message}"):
        pool.map(fn, [3])
    assert pool.map(trials.fit_ridge, [{"seed": 2, "alpha": 1.0}]) == [
        trials.fit_ridge(cars, {"seed": 2, "alpha": 1.0})
    ]


def test_a_lambda_is_refused(pool: Session) -> None:
    with pytest.raises(InputError, match=r"fn: got .*; expected a module-level function"):
        pool.map(lambda shared, item: item, [1])


def test_every_item_starts_with_one_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "16")  # what a worker must not inherit
    executor = open_executor("local", workers=1)
    with executor.session(None) as session:
        assert session.map(trials.raise_threads, [4]) == [4]
        [(omp, pools)] = [r for r in session.map(trials.thread_config, [0]) if r is not None]
    executor.close()
    assert omp == "1"
    assert pools
    assert set(pools) == {1}


def test_an_idle_worker_lost_between_maps_is_replaced(pool: Session) -> None:
    [first] = pool.map(trials.count_calls, [0])
    assert first is not None
    os.kill(first[0], signal.SIGKILL)
    time.sleep(0.2)
    [again] = pool.map(trials.count_calls, [1])
    assert again is not None
    assert again[2] == 1


def test_a_worker_dying_as_it_starts_is_a_backend_error() -> None:
    executor = open_executor("local", workers=1)
    with (
        executor.session(trials.DiesOnLoad()) as session,
        pytest.raises(BackendError, match="code 5"),
    ):
        session.map(trials.count_calls, [0])
    executor.close()


def test_stream_yields_each_result_as_it_ends(pool: Session, cars: dict[str, Any]) -> None:
    streaming.results_come_in_finishing_order(pool, cars)


def test_stream_stops_work_past_its_stop_time(pool: Session, tmp_path: Path) -> None:
    streaming.work_past_its_stop_time_is_stopped(pool, tmp_path)


def test_closing_a_stream_stops_what_still_runs(pool: Session, tmp_path: Path) -> None:
    streaming.closing_early_stops_the_rest(pool, tmp_path)


def test_a_stream_raises_the_items_error(pool: Session) -> None:
    streaming.an_error_is_raised_again(pool)


def test_a_script_without_a_main_guard_is_told_how_to_fix_it(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(
        "from modelward.backends.executor import open_executor\n"
        "from tests.unit.executor import trials\n"
        "with open_executor('local', workers=1).session(None) as session:\n"
        "    session.map(trials.count_calls, [0])\n"
    )
    root = Path(__file__).resolve().parents[3]  # where `tests` is importable from
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode != 0
    assert 'if __name__ == "__main__":' in done.stderr.splitlines()[-1]
