"""The batch `predict` use case: a registered model, an input file, an output file."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from modelward.datasets.readers import read_file
from modelward.errors import InputError
from modelward.registry.records import ModelVersion
from modelward.registry.service import get_model, load_bundle
from modelward.training.predictor import Predictor
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


def load_predictor(ws: Workspace, ref: str) -> tuple[ModelVersion, Predictor]:
    """The model version and its verified, loaded predictor (a tampered bundle is refused)."""
    model = get_model(ws, ref)
    return model, Predictor.from_bundle(load_bundle(ws, model))


def predict_file(
    ws: Workspace, ref: str, source: str | Path, output: str | Path, *, ignore_extra: bool = False
) -> PredictResult:
    started = time.perf_counter()
    target = Path(output)
    if target.suffix.lower() not in OUTPUT_SUFFIXES:
        raise InputError.field("--output", str(output), "a .csv or .parquet file name")
    model, predictor = load_predictor(ws, ref)
    frame = read_file(source)
    result = predictor.predict(frame, ignore_extra=ignore_extra)
    _write_atomic(result, target)
    return PredictResult(
        model.ref,
        result.height,
        str(target),
        time.perf_counter() - started,
        tuple(predictor.runtimes),
    )


def _write_atomic(frame: pl.DataFrame, target: Path) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise InputError.field("--output", str(target), "a file in an existing folder")
    fd, tmp = tempfile.mkstemp(prefix=".predict-", suffix=target.suffix, dir=folder)
    os.close(fd)
    try:
        if target.suffix.lower() == ".parquet":
            frame.write_parquet(tmp)
        else:
            frame.write_csv(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
