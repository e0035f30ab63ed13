"""Leaderboard figure (issue 25, item 3): with N runs in the store (10 params, 10 metrics
each), the first page of `runs list` filtered on one metric and sorted by another, on SQLite and
on PostgreSQL. Targets: <= 0.05 s at 1,000 runs, <= 0.5 s at 100,000.
Run: `.venv/bin/python bench/runs_list.py [--runs N] [--postgres URL]`.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import uuid
from collections.abc import Callable

from sqlalchemy import insert

import modelward
from modelward.backends.store.tables import run_latest, run_params, runs
from modelward.tracking import list_runs

CHUNK = 5_000


def seed_runs(ws: modelward.Workspace, count: int) -> None:
    """Bulk rows straight into the tables: the figure is about reading, not writing."""
    rng = random.Random(7)
    with ws.transaction() as conn:
        for start in range(0, count, CHUNK):
            ids = range(start + 1, min(start + CHUNK, count) + 1)
            conn.execute(insert(runs), [_run_row(i) for i in ids])
            conn.execute(
                insert(run_params),
                [
                    {"run_id": i, "key": f"p{k}", "value": str(rng.random())}
                    for i in ids
                    for k in range(10)
                ],
            )
            conn.execute(
                insert(run_latest),
                [
                    {"run_id": i, "key": f"m{k}", "value": rng.random(), "step": 0}
                    for i in ids
                    for k in range(10)
                ],
            )


def _run_row(i: int) -> dict[str, object]:
    return {
        "id": i,
        "uid": uuid.uuid4().hex,
        "name": f"run-{i}",
        "status": "finished",
        "lineage": json.dumps({}),
        "tags": json.dumps({}),
        "started_at": "2026-01-01T00:00:00",
        "created_by": "bench",
    }


def time_first_page(ws: modelward.Workspace) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        page = list_runs(ws, where=("m0", ">", 0.5), sort="m1", limit=50)
        best = min(best, time.perf_counter() - started)
    assert len(page) == 50
    assert all(r.metrics["m0"] > 0.5 for r in page)
    assert [r.metrics["m1"] for r in page] == sorted((r.metrics["m1"] for r in page), reverse=True)
    return best


def bench(label: str, count: int, **overrides: str) -> None:
    with tempfile.TemporaryDirectory() as home, modelward.open(home=home, **overrides) as ws:
        started = time.perf_counter()
        seed_runs(ws, count)
        seeded = time.perf_counter() - started
        seconds = time_first_page(ws)
    print(
        f"runs list on {label}, {count:,} runs x 10 params x 10 metrics, filter m0>0.5, "
        f"sort by m1, first page of 50: {seconds:.3f} s (target <= {_target(count)} s; "
        f"seeded in {seeded:.0f} s)"
    )


def _target(count: int) -> float:
    return 0.05 if count <= 1_000 else 0.5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    bench("SQLite", args.runs)
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    _with_schema(args.postgres, schema, lambda url: bench("PostgreSQL", args.runs, store_url=url))


def _with_schema(url: str, schema: str, run: Callable[[str], None]) -> None:
    import psycopg

    admin = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        run(f"{url}?options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()
