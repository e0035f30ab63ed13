"""Where a run came from: code version, packages, platform, seed.

The code version (two `git` processes) and the package versions are read once per process and
working directory, not once per run: a loop that starts a thousand runs spent most of its time
there. A process that edits its own code between runs records the state it started with.
"""

from __future__ import annotations

import functools
import platform
import subprocess
import sys
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


def collect_lineage(*, seed: int | None, cwd: Path | None = None) -> dict[str, Any]:
    return {**_environment(str((cwd or Path.cwd()).resolve())), "seed": seed}


@functools.cache
def _environment(cwd: str) -> dict[str, Any]:
    return {
        "git_sha": git_sha(Path(cwd)),
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
