"""One wrapper for every sklearn-style estimator: predict, skops export, ONNX export."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from modelward.training.families import onnx_export, skops_format
from modelward.training.families.base import Artifact
from modelward.training.families.matrices import float32_grid, probabilities, rows

SKLEARN_TYPES = ("sklearn.", "numpy.")

OnnxExporter = Callable[["SklearnModel"], Artifact | None]


@dataclass(frozen=True, eq=False)
class SklearnModel:
    """A fitted (or loaded) estimator with `predict_proba` (classifiers) or `predict`.

    `float32` rounds inputs through float32, as tree families fit on them (see
    `float32_grid`). `onnx` converts the model, or is None where no converter exists.
    """

    family: str
    estimator: Any = field(repr=False)
    n_features: int
    float32: bool
    allowed: tuple[str, ...] = SKLEARN_TYPES
    onnx: OnnxExporter | None = None

    @property
    def rounds(self) -> int | None:
        return None

    @property
    def classifier(self) -> bool:
        return hasattr(self.estimator, "classes_")

    def predict(self, x: np.ndarray) -> np.ndarray:
        matrix = self.prepare(x)
        if self.classifier:
            return _all_classes(self.estimator.predict_proba(matrix), self.estimator.classes_)
        return np.asarray(self.estimator.predict(matrix), dtype=np.float64).reshape(-1)

    def prepare(self, x: np.ndarray) -> np.ndarray:
        matrix = rows(x, self.n_features)
        return float32_grid(matrix) if self.float32 else matrix

    def export(self) -> Artifact:
        return skops_format.dump(self.estimator, allowed=self.allowed)

    def export_onnx(self) -> Artifact | None:
        return None if self.onnx is None else self.onnx(self)


def _all_classes(raw: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """One column per class index 0..K-1, also for a class absent from the training rows."""
    present = np.asarray(classes, dtype=np.int64)
    k = max(int(present.max()) + 1, 2)
    full = np.zeros((len(raw), k))
    full[:, present] = raw
    return probabilities(full, k)


def linear_onnx(model: SklearnModel) -> Artifact | None:
    """Linear models convert in float64, so the graph matches the estimator to ~1e-15."""
    return onnx_export.from_sklearn(model.estimator, model.n_features, double=True)


def tree_onnx(model: SklearnModel) -> Artifact | None:
    """Trees and forests convert in float32, with sklearn's learned routing of missing values."""
    estimator = model.estimator
    members = getattr(estimator, "estimators_", [estimator])
    trees = [member.tree_ for member in members]
    return onnx_export.from_sklearn(estimator, model.n_features, double=False, trees=trees)


def boosted_onnx(model: SklearnModel) -> Artifact | None:
    """Gradient boosting converts in float32; its converter routes missing values itself."""
    return onnx_export.from_sklearn(model.estimator, model.n_features, double=False)


def load_estimator(artifact: Artifact, *, allowed: tuple[str, ...] = SKLEARN_TYPES) -> Any:
    return skops_format.load(artifact, allowed=allowed)


def n_features_of(estimator: Any) -> int:
    return int(estimator.n_features_in_)
