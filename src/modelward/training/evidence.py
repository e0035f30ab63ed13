"""The evidence a training job leaves for evaluation: honest, out-of-fold predictions.

Every row of the search was scored by a model that never saw it (cross-validation), so the
evaluation can judge the final model on the very rows it was trained on without flattering it.
The evidence also holds the final model's in-sample predictions (for the overfitting gap and
the membership-inference test) and each baseline's out-of-fold predictions ("is ML worth it?").

Stored as one Parquet blob beside the model version, never inside the deployable bundle: it
carries training rows.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import NotFound
from modelward.registry import ModelVersion
from modelward.training.target import Target
from modelward.workspace import Workspace

EVIDENCE_FORMAT = "modelward.evidence/1"
_PREFIX = "__mw_"  # column prefix of the predictions; a data column never starts with it


@dataclass(frozen=True)
class Evidence:
    """Out-of-fold evidence about one model version. Immutable; arrays are read-only by contract.

    - `frame`: the raw rows (every original column, target and sensitive attributes included).
    - `y`: the encoded target: class indices (int64) or values (float64).
    - `oof`: the model's out-of-fold predictions: (n, K) probabilities or (n,) values; a row
      no fold validated (time-ordered folds skip the earliest) is NaN.
    - `fitted`: the final model's predictions on the same rows, which it was trained on.
    - `baselines`: baseline family name -> its out-of-fold predictions, same shape as `oof`.
    - `folds`: the fold that validated each row, -1 where none did.
    """

    target: Target
    frame: pl.DataFrame
    y: np.ndarray
    oof: np.ndarray
    fitted: np.ndarray
    baselines: Mapping[str, np.ndarray] = field(default_factory=dict)
    folds: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))

    @property
    def n_rows(self) -> int:
        return len(self.y)

    @property
    def scored(self) -> np.ndarray:
        """Indices of the rows with an out-of-fold prediction."""
        present = ~np.isnan(self.oof)
        return np.flatnonzero(present if present.ndim == 1 else present.all(axis=1))

    @property
    def shared(self) -> np.ndarray:
        """Indices of the scored rows that every baseline predicted too: where the model and
        its baselines are compared like with like."""
        present = np.zeros(self.n_rows, dtype=bool)
        present[self.scored] = True
        for pred in self.baselines.values():
            missing = np.isnan(pred)
            present &= ~(missing if missing.ndim == 1 else missing.any(axis=1))
        return np.flatnonzero(present)

    def to_parquet(self) -> bytes:
        columns: dict[str, Any] = {f"{_PREFIX}y": self.y, f"{_PREFIX}fold": self.folds}
        columns.update(_prediction_columns("oof", self.oof))
        columns.update(_prediction_columns("fitted", self.fitted))
        for name, pred in self.baselines.items():
            columns.update(_prediction_columns(f"base:{name}", pred))
        table = self.frame.with_columns(pl.Series(k, v) for k, v in columns.items())
        meta = {"format": EVIDENCE_FORMAT, "target": self.target.to_json()}
        meta["baselines"] = list(self.baselines)
        buffer = io.BytesIO()
        table.write_parquet(buffer, metadata={"modelward": json.dumps(meta)})
        return buffer.getvalue()

    @classmethod
    def from_parquet(cls, data: bytes) -> Evidence:
        meta = json.loads(pl.read_parquet_metadata(io.BytesIO(data))["modelward"])
        if meta.get("format") != EVIDENCE_FORMAT:
            raise ValueError(f"not modelward evidence: format {meta.get('format')!r}")
        table = pl.read_parquet(io.BytesIO(data))
        target = Target.from_json(meta["target"])
        raw = table.select(c for c in table.columns if not c.startswith(_PREFIX))
        return cls(
            target=target,
            frame=raw,
            y=table[f"{_PREFIX}y"].to_numpy(),
            oof=_read_prediction(table, "oof", target),
            fitted=_read_prediction(table, "fitted", target),
            baselines={
                name: _read_prediction(table, f"base:{name}", target) for name in meta["baselines"]
            },
            folds=table[f"{_PREFIX}fold"].to_numpy(),
        )


def save_evidence(ws: Workspace, evidence: Evidence) -> dict[str, Any]:
    """Store the evidence as a blob; the entry a model's summary keeps under `evidence`."""
    blob = ws.blobs.put_bytes(evidence.to_parquet())
    return {"blob": blob, "rows": evidence.n_rows, "kind": "out-of-fold"}


def load_evidence(ws: Workspace, model: ModelVersion) -> Evidence:
    """The evidence the version's summary points at; NotFound, naming the fix, without one."""
    entry = model.summary.get("evidence")
    if not isinstance(entry, dict) or "blob" not in entry:
        raise NotFound(
            f"{model.ref} has no training evidence to evaluate (registered without out-of-fold "
            "predictions); retrain it with `modelward train`"
        )
    return Evidence.from_parquet(ws.blobs.read_bytes(str(entry["blob"])))


def fold_of_rows(n_rows: int, valid_sets: Sequence[np.ndarray]) -> np.ndarray:
    """Which fold validated each row (-1 for none), from each fold's validation indices."""
    folds = np.full(n_rows, -1, dtype=np.int64)
    for i, rows in enumerate(valid_sets):
        folds[rows] = i
    return folds


def _prediction_columns(name: str, pred: np.ndarray) -> dict[str, np.ndarray]:
    pred = np.asarray(pred, dtype=np.float64)
    if pred.ndim == 1:
        return {f"{_PREFIX}{name}": pred}
    return {f"{_PREFIX}{name}:{k}": pred[:, k] for k in range(pred.shape[1])}


def _read_prediction(table: pl.DataFrame, name: str, target: Target) -> np.ndarray:
    if not target.is_classification:
        return table[f"{_PREFIX}{name}"].to_numpy().astype(np.float64)
    parts = [table[f"{_PREFIX}{name}:{k}"].to_numpy() for k in range(target.n_classes)]
    return np.column_stack(parts).astype(np.float64)
