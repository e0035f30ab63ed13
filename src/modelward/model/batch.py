"""The batch `predict` use case: a registered model, an input file, an output file."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from modelward.datasets import read_file
from modelward.files import atomic_path, check_output
from modelward.model.runtime import id_columns, load_runtime
from modelward.workspace import Workspace

OUTPUT_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class PredictResult:
    model: str
    rows: int
    output: str
    seconds: float
    runtimes: tuple[str, ...]
    kept: tuple[str, ...] = ()
    policy: str | None = None  # the decision policy in words, for a binary model

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "rows": self.rows,
            "output": self.output,
            "seconds": round(self.seconds, 3),
            "runtimes": list(self.runtimes),
            "kept": list(self.kept),
            "policy": self.policy,
        }


def predict_file(
    ws: Workspace,
    ref: str,
    source: str | Path,
    output: str | Path,
    *,
    ignore_extra: bool = False,
    keep: Sequence[str] | None = None,
) -> PredictResult:
    """Score a CSV or Parquet file into `output`, deciding as the server does.

    `keep` names input columns carried into the output first (None: the input's
    identifier-like columns, so that results join back without relying on row order).
    """
    started = time.perf_counter()
    target = check_output(Path(output), flag="--output", suffixes=OUTPUT_SUFFIXES)
    runtime = load_runtime(ws, ref)
    # The model's schema casts date columns from text: polars' date inference is not needed.
    frame = read_file(source, dates=False)
    ids = id_columns(runtime, frame)
    kept = tuple(ids if keep is None else dict.fromkeys(keep))
    # Identifiers are not features: one the model never saw is dropped, not refused.
    unseen = [c for c in ids if c not in kept and c not in runtime.schema.known]
    result = runtime.predict(frame.drop(unseen), ignore_extra=ignore_extra, keep=kept)
    _write(result, target)
    return PredictResult(
        runtime.ref,
        result.height,
        str(target),
        time.perf_counter() - started,
        tuple(runtime.scorer.runtimes),
        kept,
        None if runtime.policy is None else runtime.policy.describe(),
    )


def _write(frame: pl.DataFrame, target: Path) -> None:
    with atomic_path(target) as scratch:
        if target.suffix.lower() == ".parquet":
            frame.write_parquet(scratch)
        else:
            frame.write_csv(scratch)
