"""Many processes appending to one workspace: nothing lost, the chain still verifies."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from modelward.workspace import open_workspace

WORKERS, EACH = 8, 60

CHILD = textwrap.dedent(
    """
    import sys
    from modelward.workspace import open_workspace
    worker = int(sys.argv[2])
    with open_workspace(home=sys.argv[1], actor=f"worker-{worker}") as ws:
        for i in range(int(sys.argv[3])):
            with ws.transaction() as conn:
                ws.record(conn, "test.appended", f"w{worker}/{i}", {"i": i})
    """
)


def _run_workers(home: Path, store_url: str | None = None) -> None:
    env_args = [] if store_url is None else [store_url]
    code = (
        CHILD
        if store_url is None
        else CHILD.replace("home=sys.argv[1]", "home=sys.argv[1], store_url=sys.argv[4]")
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(home), str(w), str(EACH), *env_args])
        for w in range(WORKERS)
    ]
    assert [p.wait(timeout=240) for p in procs] == [0] * WORKERS


def _check(home: Path, store_url: str | None = None) -> None:
    with open_workspace(home=home, store_url=store_url) as ws:
        report = ws.verify_events()
        found = ws.read_events(action="test.appended", limit=10_000)
    assert report.ok, report.reason
    assert len(found) == WORKERS * EACH
    assert len({e.subject for e in found}) == WORKERS * EACH


def test_eight_processes_append_to_one_sqlite_workspace(tmp_path: Path) -> None:
    _run_workers(tmp_path / "ws")
    _check(tmp_path / "ws")


def test_eight_processes_append_to_one_postgres_store(tmp_path: Path, pg_url: str) -> None:
    _run_workers(tmp_path / "ws", pg_url)
    _check(tmp_path / "ws", pg_url)
