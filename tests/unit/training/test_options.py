"""Where a training job runs: the flags, else the workspace's settings."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelward
from modelward.training.options import TrainOptions


def test_the_workspace_settings_choose_the_executor(tmp_path: Path) -> None:
    from modelward.training.service import _with_executor

    with modelward.open(home=tmp_path, executor="ray", ray_address="ray://head:10001") as ws:
        chosen = _with_executor(ws, TrainOptions())
        flagged = _with_executor(ws, TrainOptions(executor="local"))
    assert (chosen.executor, chosen.ray_address) == ("ray", "ray://head:10001")
    assert (flagged.executor, flagged.ray_address) == ("local", None)


def test_a_ray_cluster_is_sized_by_the_cluster_unless_workers_are_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from modelward.cpus import usable_cpus
    from modelward.training.service import _slots

    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    cluster = TrainOptions(executor="ray", ray_address="10.0.0.5:6379")
    assert _slots(cluster) is None  # the cluster's CPUs, counted once connected
    assert _slots(TrainOptions(executor="ray", ray_address="10.0.0.5:6379", workers=8)) == 8
    assert _slots(TrainOptions(executor="ray")) == usable_cpus()  # a local Ray: this machine
    assert _slots(TrainOptions()) == usable_cpus()
    monkeypatch.setenv("RAY_ADDRESS", "10.0.0.5:6379")
    assert _slots(TrainOptions(executor="ray")) is None
