"""Run creation figure (issue 25, item 2): N runs, each started, given 10 params and 10 metrics,
and ended, through the SDK on SQLite (and PostgreSQL with `--postgres URL`), beside raw SQLite
with one commit per run (the floor) and MLflow's tracking API on its SQLite store, in one run.
Target: 1,000 runs in <= 2 s on SQLite (<= 2x the floor), <= 4 s on PostgreSQL.
Run: `.venv/bin/python bench/runs_create.py [--runs 1000] [--no-mlflow] [--postgres URL]`.
"""

from __future__ import annotations

import argparse
import logging
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import modelward

PARAMS = {f"p{i}": i * 0.5 for i in range(10)}
METRICS = {f"m{i}": 1.0 / (i + 1) for i in range(10)}


def modelward_seconds(count: int, **overrides: str) -> float:
    with tempfile.TemporaryDirectory() as home, modelward.open(home=home, **overrides) as ws:
        started = time.perf_counter()
        for i in range(count):
            with ws.start_run(name=f"run-{i}") as run:
                run.log_params(PARAMS)
                run.log_metrics(METRICS)
        seconds = time.perf_counter() - started
        assert ws.verify_events().ok  # the chain still verifies
    return seconds


def sqlite_floor_seconds(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "floor.db")
        db.executescript(
            "CREATE TABLE runs (id INTEGER PRIMARY KEY, uid TEXT, name TEXT, status TEXT);"
            "CREATE TABLE params (run_id INTEGER, key TEXT, value TEXT);"
            "CREATE TABLE metrics (run_id INTEGER, key TEXT, value REAL, step INTEGER);"
        )
        started = time.perf_counter()
        for i in range(count):
            cursor = db.execute(
                "INSERT INTO runs (uid, name, status) VALUES (?, ?, 'running')",
                (uuid.uuid4().hex, f"run-{i}"),
            )
            run_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO params VALUES (?, ?, ?)",
                [(run_id, k, str(v)) for k, v in PARAMS.items()],
            )
            db.executemany(
                "INSERT INTO metrics VALUES (?, ?, ?, 0)",
                [(run_id, k, v) for k, v in METRICS.items()],
            )
            db.execute("UPDATE runs SET status = 'finished' WHERE id = ?", (run_id,))
            db.commit()
        seconds = time.perf_counter() - started
        db.close()
    return seconds


def mlflow_seconds(count: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{Path(tmp) / 'mlflow.db'}"
        import mlflow

        logging.getLogger("mlflow").setLevel(logging.ERROR)
        mlflow.set_tracking_uri(os.environ["MLFLOW_TRACKING_URI"])
        mlflow.set_experiment("bench")
        started = time.perf_counter()
        for i in range(count):
            with mlflow.start_run(run_name=f"run-{i}"):
                mlflow.log_params(PARAMS)
                mlflow.log_metrics(METRICS)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--postgres", help="a PostgreSQL store URL (a scratch schema or database)")
    args = parser.parse_args()
    floor = sqlite_floor_seconds(args.runs)
    rows = {"raw SQLite, one commit per run (floor)": floor}
    rows["modelward on SQLite"] = modelward_seconds(args.runs)
    if args.postgres:
        rows["modelward on PostgreSQL"] = modelward_seconds(args.runs, store_url=args.postgres)
    if not args.no_mlflow:
        rows["MLflow 3 on SQLite"] = mlflow_seconds(args.runs)
    print(f"{args.runs:,} runs, each with 10 params and 10 metrics:")
    for name, seconds in rows.items():
        print(f"  {name:<40} {seconds:7.2f} s   {seconds / floor:5.1f}x the floor")


if __name__ == "__main__":
    main()
