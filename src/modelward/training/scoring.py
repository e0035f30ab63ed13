"""The batch `predict` use case: a registered model, an input file, an output file."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from modelward.datasets.readers import read_file
from modelward.errors import InputError
from modelward.files import atomic_path, check_output
from modelward.registry.records import ModelVersion
from modelward.registry.service import get_model, load_bundle
from modelward.spec.model import Task
from modelward.training.predictor import Predictor
from modelward.training.scorer import Scorer, load_scorer
from modelward.workspace import Workspace

OUTPUT_SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class PredictResult:
    model: str
    rows: int
    output: str
    seconds: float
    runtimes: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "rows": self.rows,
            "output": self.output,
            "seconds": round(self.seconds, 3),
            "runtimes": list(self.runtimes),
        }


def load_scorer_of(ws: Workspace, ref: str) -> tuple[ModelVersion, Scorer]:
    """The model version and its verified, loaded model of any kind (a tampered bundle is
    refused)."""
    model = get_model(ws, ref)
    return model, load_scorer(load_bundle(ws, model))


def load_predictor(ws: Workspace, ref: str) -> tuple[ModelVersion, Predictor]:
    """A tabular model version and its verified, loaded predictor; InputError for a forecast
    or segmentation, which have no features-to-target predictor to warm-start or compare."""
    model = get_model(ws, ref)
    if model.task in (Task.FORECAST, Task.SEGMENT):
        raise InputError.field(
            "model", f"{model.ref} ({model.task})", "a binary, multiclass or regression model"
        )
    return model, Predictor.from_bundle(load_bundle(ws, model))


def predict_file(
    ws: Workspace,
    ref: str,
    source: str | Path,
    output: str | Path,
    *,
    ignore_extra: bool = False,
    threshold: float | None = None,
) -> PredictResult:
    """Score a CSV or Parquet file; a binary model decides at `threshold` when given (the
    evaluated one, as the server does: `serving.models.decision_threshold`)."""
    started = time.perf_counter()
    target = check_output(Path(output), flag="--output", suffixes=OUTPUT_SUFFIXES)
    model, predictor = load_scorer_of(ws, ref)
    # The model's schema casts date columns from text: polars' date inference is not needed.
    frame = read_file(source, dates=False)
    result = predictor.predict(frame, ignore_extra=ignore_extra, threshold=threshold)
    _write(result, target)
    return PredictResult(
        model.ref,
        result.height,
        str(target),
        time.perf_counter() - started,
        tuple(predictor.runtimes),
    )


def _write(frame: pl.DataFrame, target: Path) -> None:
    with atomic_path(target) as scratch:
        if target.suffix.lower() == ".parquet":
            frame.write_parquet(scratch)
        else:
            frame.write_csv(scratch)
