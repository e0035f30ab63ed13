"""The CPUs this process may actually use: its affinity mask and its cgroup's CPU quota.

`os.cpu_count()` counts the machine's CPUs. A job pinned with `taskset -c 0`, or a container
given one CPU of a 16-core host, may use one: starting 16 workers there makes them contend
for one core and time out (a budget of 15 s then finishes no trial at all). Linux states both
limits: the affinity mask (`sched_getaffinity`) and the cgroup quota (`cpu.max` in cgroup v2,
`cpu.cfs_quota_us` / `cpu.cfs_period_us` in v1). The smaller wins, rounded up (a quota of 1.5
CPUs lets two workers make progress).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def usable_cpus(cgroup_root: Path = CGROUP_ROOT) -> int:
    """How many CPUs this process may run on at once (at least 1)."""
    found = _affinity()
    quota = cgroup_quota(cgroup_root)
    if quota is not None:
        found = min(found, max(1, math.ceil(quota)))
    return max(1, found)


def _affinity() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux: no affinity mask to read
        return os.cpu_count() or 1


def cgroup_quota(root: Path = CGROUP_ROOT) -> float | None:
    """The CPU quota of this process's cgroup in CPUs, the smallest along its path to the root
    (a parent's limit binds its children); None when there is none (or no cgroup)."""
    found = [q for folder in _own_cgroups(root) if (q := _quota(folder)) is not None]
    return min(found) if found else None


def _quota(folder: Path) -> float | None:
    found = _v2_quota(folder / "cpu.max")
    if found is None:
        found = _v1_quota(folder / "cpu.cfs_quota_us", folder / "cpu.cfs_period_us")
    return found


def _own_cgroups(root: Path) -> list[Path]:
    """This process's cgroup folders and each of their ancestors up to the mount points (v2's
    unified hierarchy and v1's cpu one, however it is mounted)."""
    bases = [root, root / "cpu", root / "cpu,cpuacct", root / "cpuacct,cpu"]
    folders: list[Path] = list(bases)
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        lines = []
    for line in lines:
        _, controllers, path = [*line.split(":", 2), "", ""][:3]
        if controllers and "cpu" not in controllers.split(","):
            continue
        parts = [p for p in path.split("/") if p]
        for base in bases:
            folders += [base.joinpath(*parts[:depth]) for depth in range(1, len(parts) + 1)]
    return folders


def _v2_quota(path: Path) -> float | None:
    """`cpu.max` holds "QUOTA PERIOD" in microseconds, or "max PERIOD" for no limit."""
    text = _read(path)
    if text is None:
        return None
    parts = text.split()
    if len(parts) != 2 or parts[0] == "max":
        return None
    return _ratio(parts[0], parts[1])


def _v1_quota(quota: Path, period: Path) -> float | None:
    """cgroup v1: a quota of -1 means no limit."""
    found, every = _read(quota), _read(period)
    if found is None or every is None or found.strip() == "-1":
        return None
    return _ratio(found, every)


def _ratio(quota: str, period: str) -> float | None:
    try:
        q, p = int(quota), int(period)
    except ValueError:
        return None
    return q / p if q > 0 and p > 0 else None


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None
