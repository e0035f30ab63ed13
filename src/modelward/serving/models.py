"""Model versions as a server holds them: loaded once, verified at load, with their contract."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.datasets.service import get_version
from modelward.errors import NotFound
from modelward.evaluation.service import get_evaluation
from modelward.registry.records import ModelVersion
from modelward.registry.service import get_model, load_bundle
from modelward.serving.contract import ServingContract
from modelward.serving.records import Validation
from modelward.tracking.service import get_run
from modelward.training.scorer import Scorer, load_scorer
from modelward.workspace import Workspace


@dataclass(frozen=True)
class Scored:
    """A request's answers: one JSON-ready prediction per row, in row order."""

    predictions: list[dict[str, Any]]


@dataclass(frozen=True)
class ServedModel:
    """A verified, loaded model version. Immutable and thread-safe."""

    version: ModelVersion
    predictor: Scorer
    contract: ServingContract
    threshold: float | None = None  # the evaluated decision threshold (binary models)

    @property
    def ref(self) -> str:
        return self.version.ref

    def score(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        validation: Validation,
        digits: int | None = None,
    ) -> Scored:
        """Validate (types always, training values under strict) and predict."""
        if validation is Validation.STRICT:
            self.contract.check(records)
        result = self.predictor.predict_records(records, threshold=self.threshold)
        answers = _answers(self.predictor, result.raw, result.prediction, digits)
        return Scored(_with_bounds(answers, result.bounds, digits))

    def score_frame(
        self, frame: pl.DataFrame, *, validation: Validation, digits: int | None = None
    ) -> Scored:
        """A batch (CSV or Parquet body) through the vectorized path; same checks."""
        if validation is Validation.STRICT:
            self.contract.check_frame(frame)
        out = self.predictor.predict(frame, threshold=self.threshold)
        if not self.predictor.target.is_classification:
            answers = _answers(self.predictor, out["prediction"].to_numpy(), [], digits)
            bounds = out.select("lower", "upper").to_numpy() if "upper" in out.columns else None
            return Scored(_with_bounds(answers, bounds, digits))
        classes = self.predictor.target.classes
        raw = out.select([f"proba_{label}" for label in classes]).to_numpy()
        return Scored(_answers(self.predictor, raw, out["prediction"].to_list(), digits))


class ModelCache:
    """Each model version loaded once per process; a tampered bundle is refused at load."""

    def __init__(self, ws: Workspace) -> None:
        self._ws = ws
        self._loaded: dict[str, ServedModel] = {}
        self._lock = threading.Lock()

    def get(self, ref: str) -> ServedModel:
        found = self._loaded.get(ref)
        if found is not None:
            return found
        with self._lock:
            found = self._loaded.get(ref)
            if found is None:
                found = load_served(self._ws, ref)
                self._loaded[found.ref] = found
                self._loaded[ref] = found
            return found


def load_served(ws: Workspace, ref: str) -> ServedModel:
    version = get_model(ws, ref)
    predictor = load_scorer(load_bundle(ws, version))
    features = [column.name for column in predictor.schema.columns]
    contract = ServingContract.build(_contract(ws, version), features)
    return ServedModel(version, predictor, contract, evaluated_threshold(ws, version, predictor))


def evaluated_threshold(ws: Workspace, version: ModelVersion, predictor: Scorer) -> float | None:
    """The threshold the evaluation judged the binary model's decisions at (value-maximizing,
    within the spec's fairness bound), so that production decides as the reviewers approved.

    None for other tasks, for a model with its own decision rule (per-group thresholds), and
    for a version never evaluated (then the most probable class decides)."""
    if predictor.target.n_classes != 2 or predictor.decision is not None:
        return None
    try:
        report = get_evaluation(ws, version.ref).report
    except NotFound:
        return None
    value = report.get("threshold", {}).get("value") if isinstance(report, dict) else None
    return float(value) if isinstance(value, int | float) and 0 <= value <= 1 else None


def _contract(ws: Workspace, version: ModelVersion) -> Any:
    if version.run is None:
        return None
    try:
        dataset = get_run(ws, version.run).dataset
        return None if dataset is None else get_version(ws, dataset).contract
    except NotFound:
        return None


def _answers(
    predictor: Scorer, raw: np.ndarray, labels: Sequence[object], digits: int | None
) -> list[dict[str, Any]]:
    if not predictor.target.is_classification:
        values = raw.tolist() if digits is None else np.round(raw, digits).tolist()
        return [{"prediction": v} for v in values]
    classes = [str(c) for c in predictor.target.classes]
    probabilities = (raw if digits is None else np.round(raw, digits)).tolist()
    return [
        {"prediction": label, "proba": dict(zip(classes, row, strict=True))}
        for label, row in zip(labels, probabilities, strict=True)
    ]


def _with_bounds(
    answers: list[dict[str, Any]], bounds: np.ndarray | None, digits: int | None
) -> list[dict[str, Any]]:
    """A forecast's answers with their prediction interval: `lower` and `upper`."""
    if bounds is None:
        return answers
    shown = (bounds if digits is None else np.round(bounds, digits)).tolist()
    for answer, (low, high) in zip(answers, shown, strict=True):
        answer["lower"], answer["upper"] = low, high
    return answers


def decision_threshold(ws: Workspace, ref: str) -> float | None:
    """The threshold a server decides `ref`'s positive class at (None: most probable class)."""
    version = get_model(ws, ref)
    return evaluated_threshold(ws, version, load_scorer(load_bundle(ws, version)))
