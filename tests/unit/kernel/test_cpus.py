"""Workers follow the CPUs the process may use: its affinity mask and its cgroup's quota."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from modelward.cpus import cgroup_quota, usable_cpus
from modelward.training.options import TrainOptions

AFFINITY = len(os.sched_getaffinity(0))


def test_without_a_quota_the_affinity_mask_counts(tmp_path: Path) -> None:
    assert cgroup_quota(tmp_path) is None
    assert usable_cpus(tmp_path) == AFFINITY


@pytest.mark.parametrize(
    ("cpu_max", "quota"),
    [("max 100000", None), ("50000 100000", 0.5), ("150000 100000", 1.5), ("garbage", None)],
)
def test_a_cgroup_v2_quota(tmp_path: Path, cpu_max: str, quota: float | None) -> None:
    (tmp_path / "cpu.max").write_text(cpu_max + "\n")
    assert cgroup_quota(tmp_path) == quota
    expected = AFFINITY if quota is None else min(AFFINITY, max(1, -(-quota // 1)))
    assert usable_cpus(tmp_path) == expected


def test_a_cgroup_v1_quota(tmp_path: Path) -> None:
    folder = tmp_path / "cpu"
    folder.mkdir()
    (folder / "cpu.cfs_period_us").write_text("100000\n")
    (folder / "cpu.cfs_quota_us").write_text("-1\n")
    assert cgroup_quota(tmp_path) is None
    (folder / "cpu.cfs_quota_us").write_text("100000\n")
    assert cgroup_quota(tmp_path) == 1.0
    assert usable_cpus(tmp_path) == 1


def test_training_defaults_to_the_usable_cpus() -> None:
    assert TrainOptions().effective_workers == usable_cpus()
    assert TrainOptions(workers=3).effective_workers == 3


def test_a_job_pinned_to_one_core_uses_one_worker() -> None:
    taskset = shutil.which("taskset")
    assert taskset is not None, "taskset (util-linux) is part of the machine's base system"
    core = str(min(os.sched_getaffinity(0)))
    code = "from modelward.training.options import TrainOptions as T; print(T().effective_workers)"
    done = subprocess.run(
        [taskset, "-c", core, sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip() == "1"


def test_a_parent_cgroup_s_quota_binds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The smallest quota on the way from the process's cgroup to the root is the limit."""
    own = Path("/proc/self/cgroup")
    real_read = Path.read_text

    def read_text(path: Path, *args: object, **kwargs: object) -> str:
        return "0::/a/b\n" if path == own else real_read(path)

    monkeypatch.setattr(Path, "read_text", read_text)
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "cpu.max").write_text("100000 100000\n")
    (tmp_path / "a" / "b" / "cpu.max").write_text("max 100000\n")
    assert cgroup_quota(tmp_path) == 1.0
    (tmp_path / "a" / "b" / "cpu.max").write_text("400000 100000\n")
    assert cgroup_quota(tmp_path) == 1.0
    assert usable_cpus(tmp_path) == 1
