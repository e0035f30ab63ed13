"""Foundation figures: `data add` + audit of a 1,000,000 x 30 table, and event append rate.

Run: `make bench` (or `.venv/bin/python bench/foundation.py [--rows N]`). Prints one line per
figure with its target. The table is seeded synthetic data, written once under build/bench/.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from modelward.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "bench"


def synthetic_table(rows: int, seed: int = 7) -> pl.DataFrame:
    """30 columns: 12 numeric, 8 categorical, 4 dates, 3 text, 2 flags, and a binary target."""
    rng = np.random.default_rng(seed)
    cols: dict[str, object] = {"customer_id": np.arange(1, rows + 1)}
    for i in range(12):
        values = rng.lognormal(3, 1, rows) if i % 3 == 0 else rng.normal(50, 15, rows)
        values[rng.random(rows) < 0.01 * (i % 4)] = np.nan
        cols[f"num_{i}"] = values
    for i in range(8):
        levels = np.array([f"level_{k}" for k in range(3 + 4 * i)])
        cols[f"cat_{i}"] = levels[rng.integers(0, len(levels), rows)]
    start = np.datetime64(date(2020, 1, 1))
    for i in range(4):
        cols[f"date_{i}"] = start + rng.integers(0, 1800, rows).astype("timedelta64[D]")
    words = np.array(["late", "billing", "router", "upgrade", "refund", "contract", "slow"])
    for i in range(3):
        picks = rng.integers(0, len(words), (rows, 3))
        cols[f"text_{i}"] = np.char.add(np.char.add(words[picks[:, 0]], " "), words[picks[:, 1]])
    cols["flag_a"] = rng.random(rows) < 0.3
    cols["flag_b"] = rng.random(rows) < 0.05
    cols["target"] = np.where(rng.random(rows) < 0.2, "yes", "no")
    return pl.DataFrame(cols)


def table_file(rows: int) -> Path:
    path = CACHE / f"synthetic_{rows}.csv"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        synthetic_table(rows).write_csv(path)
    return path


def bench_data_add(rows: int) -> None:
    path = table_file(rows)
    with tempfile.TemporaryDirectory() as home:
        cmd = [sys.executable, "-m", "modelward", "--home", home, "data", "add", str(path)]
        cmd += ["--name", "synthetic", "--target", "target", "--sensitive", "cat_0", "--json"]
        started = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"data add failed: {done.stderr.strip()}")
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size_mb = path.stat().st_size / 1e6
    print(
        f"data add + audit, {rows:,} x 30 ({size_mb:.0f} MB CSV): {wall:.1f} s wall "
        f"(target <= 15 s), {peak_mb:.0f} MB peak RSS (target <= 2048 MB)"
    )


def bench_events(count: int = 10_000) -> None:
    with tempfile.TemporaryDirectory() as home, open_workspace(home=home) as ws:
        started = time.perf_counter()
        for i in range(count):
            with ws.transaction() as conn:
                ws.record(conn, "bench.appended", f"item/{i}", {"i": i})
        elapsed = time.perf_counter() - started
        check_started = time.perf_counter()
        report = ws.verify_events()
        verify_s = time.perf_counter() - check_started
    assert report.ok
    print(
        f"events appended on SQLite, one transaction each: {count / elapsed:,.0f}/s "
        f"(target >= 2,000/s); verify of {count:,}: {verify_s:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    bench_events()
    bench_data_add(args.rows)


if __name__ == "__main__":
    main()
