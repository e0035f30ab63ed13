"""A killed run does not stay `running`: the next start (or server start) marks it failed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

import modelward
from modelward.backends.store.tables import runs
from modelward.events.log import list_events
from modelward.tracking import RunStatus, get_run
from modelward.tracking.liveness import Heartbeat, alive_here, process_tag, reap_lost_runs

CHILD = """
import sys, time
import modelward
with modelward.open(home=sys.argv[1], store_url=sys.argv[2], actor="ana") as ws:
    run = ws.start_run(name="doomed")
    run.log_metric("loss", 0.5)
    run.flush()
    print(run.uid, flush=True)
    time.sleep(600)
"""


@pytest.fixture
def ws(tmp_path: Path, store_url: str) -> Iterator[modelward.Workspace]:
    with modelward.open(home=tmp_path / "ws", store_url=store_url, actor="ana") as opened:
        yield opened


def lost_events(ws: modelward.Workspace, uid: str) -> list[dict[str, object]]:
    with ws.transaction() as conn:
        found = list_events(conn, subject=f"run/{uid}", action="run.lost")
        return [json.loads(e.payload) if isinstance(e.payload, str) else e.payload for e in found]


def test_a_sigkilled_run_is_failed_at_the_next_start(
    ws: modelward.Workspace, tmp_path: Path, store_url: str
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD), str(tmp_path / "ws"), store_url],
        stdout=subprocess.PIPE,
        text=True,
    ) as child:
        assert child.stdout is not None
        uid = child.stdout.readline().strip()
        assert get_run(ws, uid).status is RunStatus.RUNNING
        os.kill(child.pid, signal.SIGKILL)
        child.wait()

    with ws.start_run(name="next"):
        pass

    lost = get_run(ws, uid)
    assert lost.status is RunStatus.FAILED
    assert lost.ended_at is not None
    (payload,) = lost_events(ws, uid)
    assert "is no longer running" in str(payload["reason"])


def test_a_live_run_of_this_process_is_left_alone(ws: modelward.Workspace) -> None:
    run = ws.start_run(name="long")
    assert alive_here(process_tag()) is True
    assert reap_lost_runs(ws) == []
    run.finish()
    assert get_run(ws, run.uid).status is RunStatus.FINISHED


def test_a_run_on_another_host_is_lost_only_after_its_heartbeat_stops(
    ws: modelward.Workspace,
) -> None:
    quiet = ws.start_run(name="quiet")
    beating = ws.start_run(name="beating")
    for run in (quiet, beating):
        run.flush()  # written now, not at their first flush
    with ws.transaction() as conn:
        conn.execute(update(runs).values(owner="another-host/4242/99"))
        conn.execute(
            update(runs)
            .where(runs.c.uid == quiet.uid)
            .values(heartbeat_at="2026-01-01T00:00:00.000000+00:00")
        )
    assert reap_lost_runs(ws) == [quiet.uid]
    assert get_run(ws, quiet.uid).status is RunStatus.FAILED
    assert get_run(ws, beating.uid).status is RunStatus.RUNNING
    (payload,) = lost_events(ws, quiet.uid)
    assert "no heartbeat for" in str(payload["reason"])
    beating.finish()


def test_the_heartbeat_moves_while_the_run_is_open(ws: modelward.Workspace) -> None:
    run = ws.start_run(name="beat")
    uid = run.uid  # read outside a transaction: reading it writes a new run

    def last_beat() -> str:
        with ws.transaction() as conn:
            beat = conn.execute(select(runs.c.heartbeat_at).where(runs.c.uid == uid))
            return str(beat.scalar_one())

    first = last_beat()
    heartbeat = Heartbeat(ws, run.run_id, every=0.05)
    heartbeat.start()
    deadline = time.monotonic() + 30
    while last_beat() == first and time.monotonic() < deadline:
        time.sleep(0.05)
    heartbeat.stop()
    assert last_beat() > first
    run.finish()
