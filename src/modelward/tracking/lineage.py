"""Where a run came from: code version, packages, platform, seed.

Package versions and the platform are read once per process. The code version (two `git`
processes, most of a run's start-up) is kept for `GIT_FRESH_SECONDS` per working directory: a
loop that starts a thousand runs reads it a few times, and code edited between two runs started
further apart than that is seen. A `git` that failed is asked again next time.
"""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
import threading
import time
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = (
    "modelward",
    "numpy",
    "polars",
    "pyarrow",
    "scikit-learn",
    "lightgbm",
    "xgboost",
    "catboost",
    "optuna",
    "interpret",
    "onnxruntime",
    "ray",
)
GIT_FRESH_SECONDS = 5.0

_git_lock = threading.Lock()
_git_seen: dict[str, tuple[float, str]] = {}  # working directory -> (when read, code version)


def collect_lineage(*, seed: int | None, cwd: Path | None = None) -> dict[str, Any]:
    folder = str((cwd or Path.cwd()).resolve())
    return {"git_sha": _recent_git_sha(folder), **_environment(), "seed": seed}


def _recent_git_sha(folder: str) -> str | None:
    now = time.monotonic()
    with _git_lock:
        seen = _git_seen.get(folder)
    if seen is not None and now - seen[0] <= GIT_FRESH_SECONDS:
        return seen[1]
    sha = git_sha(Path(folder))
    if sha is not None:
        with _git_lock:
            _git_seen[folder] = (now, sha)
    return sha


@functools.cache
def _environment() -> dict[str, Any]:
    return {
        "packages": package_versions(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
    }


def git_sha(cwd: Path) -> str | None:
    """The commit checked out in `cwd` (with `+dirty` when files changed), or None."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{sha}+dirty" if dirty else sha


def package_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
