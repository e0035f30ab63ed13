"""Where a training job runs: the flags, else the workspace's settings."""

from __future__ import annotations

from pathlib import Path

import modelward
from modelward.training.options import TrainOptions


def test_the_workspace_settings_choose_the_executor(tmp_path: Path) -> None:
    from modelward.training.service import _with_executor

    with modelward.open(home=tmp_path, executor="ray", ray_address="ray://head:10001") as ws:
        chosen = _with_executor(ws, TrainOptions())
        flagged = _with_executor(ws, TrainOptions(executor="local"))
    assert (chosen.executor, chosen.ray_address) == ("ray", "ray://head:10001")
    assert (flagged.executor, flagged.ray_address) == ("local", None)
