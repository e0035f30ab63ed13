"""The Ray executor on a real local Ray instance: same results as local, deadlines, errors."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import ray

from modelward.backends.executor import Executor, open_executor
from modelward.errors import BackendError, InputError
from tests.unit.executor import streaming, trials

# `make test` installs the `ray` extra: a missing Ray is a failure here, never a skip.


@pytest.fixture(scope="module")
def on_ray() -> Iterator[Executor]:
    """One local Ray instance for the module (it takes seconds to start); shut down after."""
    executor = open_executor("ray", workers=2)
    yield executor
    executor.close()
    assert not ray.is_initialized()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_same_results_as_local(
    on_ray: Executor, cars: dict[str, Any], ridge_items: list[dict[str, Any]]
) -> None:
    with on_ray.session(cars) as session:
        ray_results = session.map(trials.fit_ridge, ridge_items)
    local = open_executor("local", workers=2)
    with local.session(cars) as session:
        local_results = session.map(trials.fit_ridge, ridge_items)
    local.close()
    assert ray_results == local_results == [trials.fit_ridge(cars, i) for i in ridge_items]


def test_deadline_cancels_late_tasks_and_the_session_recovers(
    on_ray: Executor, tmp_path: Path, cars: dict[str, Any], ridge_items: list[dict[str, Any]]
) -> None:
    quick, late = tmp_path / "quick.txt", tmp_path / "late.txt"
    items = [{"seconds": 0.0, "path": str(quick)}, {"seconds": 3.0, "path": str(late)}]
    with on_ray.session(cars) as session:
        session.map(trials.fit_ridge, ridge_items[:2])  # workers up before the clock starts
        start = time.time()
        results = session.map(trials.sleep_then_touch, items, deadline=start + 1.0)
        assert time.time() - start < 2.0
        assert results == [str(quick), None]
        time.sleep(max(0.0, start + 3.5 - time.time()))
        assert not late.exists(), "the late task kept running after the deadline"
        expected = [trials.fit_ridge(cars, item) for item in ridge_items]
        assert session.map(trials.fit_ridge, ridge_items) == expected


def test_errors_come_back_as_themselves_or_backend_errors(on_ray: Executor) -> None:
    with on_ray.session(None) as session:
        with pytest.raises(ValueError, match="bad item 3") as info:
            session.map(trials.fail, [3])
        assert "raised in a Ray task on item 0" in "\n".join(info.value.__notes__)
        with pytest.raises(BackendError, match=r"a Ray worker failed on item 0 .*Crashed"):
            session.map(trials.exit_with, [3])


def test_every_task_starts_with_one_thread(on_ray: Executor) -> None:
    with on_ray.session(None) as session:
        session.map(trials.raise_threads, [4, 4])
        results = session.map(trials.thread_config, [0, 1])
    for omp, pools in (r for r in results if r is not None):
        assert omp == "1"
        assert set(pools) == {1}


def test_an_unreachable_address_fails_fast() -> None:
    address = f"127.0.0.1:{_closed_port()}"
    start = time.time()
    with pytest.raises(BackendError, match=f"cannot reach Ray at '{address}'"):
        open_executor("ray", address=address)
    assert time.time() - start < 10


def test_a_malformed_address_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"\(--ray-address, RAY_ADDRESS\): got 'nowhere'; exp"):
        open_executor("ray", address="nowhere")


def test_ray_address_in_the_environment_joins_that_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ray's own RAY_ADDRESS is honoured: the unreachable cluster it names is reported, never
    a local Ray started with resource counts a cluster refuses."""
    address = f"127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("RAY_ADDRESS", address)
    with pytest.raises(BackendError, match=f"cannot reach Ray at '{address}'"):
        open_executor("ray")


def test_stream_on_ray(on_ray: Executor, cars: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "stop").mkdir()
    (tmp_path / "close").mkdir()
    with on_ray.session(cars) as session:
        streaming.results_come_in_finishing_order(session, cars)
        streaming.work_past_its_stop_time_is_stopped(session, tmp_path / "stop")
        streaming.closing_early_stops_the_rest(session, tmp_path / "close")
        streaming.an_error_is_raised_again(session)
