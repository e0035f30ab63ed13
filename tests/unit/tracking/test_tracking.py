"""The SDK logging API and run queries, on SQLite and PostgreSQL."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import modelward
from modelward.errors import Conflict, InputError, NotFound
from modelward.tracking import RunStatus, get_run, list_runs, logger, metric_history
from modelward.tracking.logger import FLUSH_SECONDS


@pytest.fixture
def ws(tmp_path: Path, store_url: str) -> Iterator[modelward.Workspace]:
    with modelward.open(home=tmp_path / "ws", store_url=store_url, actor="ana") as opened:
        yield opened


def test_logged_run_reads_back(ws: modelward.Workspace) -> None:
    with ws.start_run(name="baseline", seed=7, tags={"team": "churn"}) as run:
        run.log_params({"lr": 0.1, "depth": 6})
        for step in range(5):
            run.log_metric("loss", 1.0 / (step + 1), step=step)
        run.log_metrics({"auc": 0.81, "f1": 0.6})
    found = get_run(ws, run.uid[:8])
    assert found.status is RunStatus.FINISHED
    assert found.params == {"lr": "0.1", "depth": "6"}
    assert found.metrics == {"loss": 0.2, "auc": 0.81, "f1": 0.6}
    assert found.tags == {"team": "churn"}
    assert found.lineage["seed"] == 7
    assert "numpy" in found.lineage["packages"]
    assert found.wall_seconds is not None
    assert [p.step for p in metric_history(ws, run.uid, "loss")] == [0, 1, 2, 3, 4]
    actions = [e.action for e in ws.read_events(subject=f"run/{run.uid}")]
    assert actions == ["run.finished", "run.params.logged", "run.started"]
    assert ws.verify_events().ok


def test_exception_marks_run_failed(ws: modelward.Workspace) -> None:
    def train() -> str:
        with ws.start_run() as run:
            run.log_metric("loss", 0.5)
            raise RuntimeError("diverged")

    with pytest.raises(RuntimeError, match="diverged"):
        train()
    (found,) = list_runs(ws)
    assert found.status is RunStatus.FAILED
    assert found.metrics == {"loss": 0.5}


def test_latest_metric_is_the_highest_step(ws: modelward.Workspace) -> None:
    with ws.start_run() as run:
        run.log_metric("loss", 0.1, step=9)
        run.flush()
        run.log_metric("loss", 0.9, step=3)
    assert get_run(ws, run.uid).metrics["loss"] == 0.1


def test_leaderboard_sorts_and_filters_on_latest_metric(ws: modelward.Workspace) -> None:
    for auc in (0.70, 0.85, 0.78):
        with ws.start_run(name=f"auc-{auc}") as run:
            run.log_metric("auc", auc)
    ranked = list_runs(ws, sort="auc")
    assert [r.metrics["auc"] for r in ranked] == [0.85, 0.78, 0.70]
    good = list_runs(ws, sort="auc", descending=False, where=("auc", ">=", 0.75))
    assert [r.metrics["auc"] for r in good] == [0.78, 0.85]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("", 1.0, "metric or param name"),
        ("loss", float("nan"), "finite"),
        ("loss", "high", "a number"),
    ],
)
def test_bad_metrics_are_refused(
    ws: modelward.Workspace, key: str, value: object, message: str
) -> None:
    with ws.start_run() as run, pytest.raises(InputError, match=message):
        run.log_metric(key, value)  # type: ignore[arg-type]


def test_params_are_write_once_and_runs_end_once(ws: modelward.Workspace) -> None:
    run = ws.start_run()
    run.log_param("lr", 0.1)
    with pytest.raises(Conflict, match="already logged"):
        run.log_param("lr", 0.2)
    run.finish()
    with pytest.raises(Conflict, match="cannot become"):
        run.finish()


def test_unknown_and_ambiguous_run_ids(ws: modelward.Workspace) -> None:
    with pytest.raises(NotFound, match="not found"):
        get_run(ws, "ffffffffff")
    with pytest.raises(InputError, match="first 6"):
        get_run(ws, "abc")


def test_a_run_is_written_when_its_id_is_read(
    ws: modelward.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(logger, "FLUSH_SECONDS", 3600.0)  # no background write in between
    run = ws.start_run(name="lazy")
    run.log_params({"lr": 0.1})
    assert list_runs(ws) == []  # nothing written yet: one transaction at the end suffices
    uid = run.uid  # another record may point at it now
    (found,) = list_runs(ws)
    assert (found.uid, found.status, found.params) == (uid, RunStatus.RUNNING, {"lr": "0.1"})
    run.finish()
    actions = [e.action for e in ws.read_events(subject=f"run/{uid}")]
    assert actions == ["run.finished", "run.params.logged", "run.started"]


def test_what_a_quiet_run_logged_reaches_the_store_without_another_call(
    ws: modelward.Workspace,
) -> None:
    """The crash bound holds while the run's own thread does something else entirely."""
    run = ws.start_run(name="quiet")
    run.log_params({"depth": 6})
    run.log_metric("loss", 0.5)
    deadline = time.monotonic() + FLUSH_SECONDS + 60  # a slack for a busy machine
    while not list_runs(ws) and time.monotonic() < deadline:
        time.sleep(0.1)
    (found,) = list_runs(ws)
    assert (found.params, found.metrics) == ({"depth": "6"}, {"loss": 0.5})
    run.finish()


def test_a_run_dropped_unfinished_keeps_what_it_logged(ws: modelward.Workspace) -> None:
    def forget() -> None:
        run = ws.start_run(name="dropped")
        run.log_params({"depth": 6})

    forget()
    gc.collect()
    (found,) = list_runs(ws)
    assert (found.status, found.params) == (RunStatus.RUNNING, {"depth": "6"})


@pytest.mark.parametrize(
    ("value", "expected"), [("a\x00b", "without NUL"), ("\ud800", "valid Unicode")]
)
def test_a_param_no_store_can_hold_is_refused_when_logged(
    ws: modelward.Workspace, value: str, expected: str
) -> None:
    with ws.start_run(name="odd") as run:
        run.log_param("fine", 1)
        with pytest.raises(InputError, match=f"param bad: .*{expected}"):
            run.log_param("bad", value)
        run.log_metric("loss", 0.5)
    found = get_run(ws, run.uid)  # the rest of the run is stored
    assert (found.status, found.params, found.metrics) == (
        RunStatus.FINISHED,
        {"fine": "1"},
        {"loss": 0.5},
    )
