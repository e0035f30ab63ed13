"""Tracking figure: 100,000 metric points logged through the SDK on SQLite (target <= 2 s).

Run: `.venv/bin/python bench/tracking.py` (also part of `make bench`).
"""

from __future__ import annotations

import tempfile
import time

import modelward

POINTS = 100_000
KEYS = ("loss", "val_loss", "auc", "lr")


def main() -> None:
    with tempfile.TemporaryDirectory() as home, modelward.open(home=home) as ws:
        started = time.perf_counter()
        with ws.start_run(name="bench") as run:
            for i in range(POINTS // len(KEYS)):
                for key in KEYS:
                    run.log_metric(key, 1.0 / (i + 1), step=i)
        elapsed = time.perf_counter() - started
        found = modelward.get_run(ws, run.uid)
    assert found.metrics["loss"] == 1.0 / (POINTS // len(KEYS))
    print(
        f"{POINTS:,} metric points logged through the SDK on SQLite: {elapsed:.2f} s "
        f"(target <= 2 s), {POINTS / elapsed:,.0f} points/s"
    )


if __name__ == "__main__":
    main()
