"""Predicting with an exported ONNX graph, and measuring how far it is from the native model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnxruntime as ort

from modelward.errors import IntegrityError
from modelward.training.families.base import Artifact, Model
from modelward.training.families.matrices import probabilities, rows
from modelward.training.families.onnx_export import PROBABILITIES

ORT_ERROR = 3  # onnxruntime log level: errors only (it warns about the label output's shape)
TYPES: dict[str, type[np.floating[Any]]] = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
}


@dataclass(frozen=True, eq=False)
class OnnxModel:
    """An ONNX graph behind the `Model` interface. Thread-safe: onnxruntime sessions are."""

    session: Any = field(repr=False)
    dtype: type[np.floating[Any]]
    n_features: int
    output: str
    classifier: bool
    family: str = "onnx"

    @property
    def rounds(self) -> int | None:
        return None

    def predict(self, x: np.ndarray) -> np.ndarray:
        matrix = rows(x, self.n_features).astype(self.dtype)
        (out,) = self.session.run([self.output], {self.session.get_inputs()[0].name: matrix})
        raw = np.asarray(out, dtype=np.float64)
        if self.classifier:
            return probabilities(raw, raw.shape[1] if raw.ndim == 2 else 2)
        return raw.reshape(-1)


def load_onnx(artifact: Artifact) -> Model:
    """A predictor over any graph `export_onnx` wrote; float64 input cast as the graph needs."""
    if artifact.format != "onnx":
        raise IntegrityError(f"expected an onnx artifact, got format {artifact.format!r}")
    options = ort.SessionOptions()
    options.log_severity_level = ORT_ERROR
    try:
        session = ort.InferenceSession(
            artifact.data, sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises its own untyped errors for a bad graph
        raise IntegrityError(f"onnx artifact {artifact.filename!r} does not load: {exc}") from exc
    (graph_input,) = session.get_inputs()
    dtype = TYPES.get(graph_input.type)
    if dtype is None:
        raise IntegrityError(f"onnx input type {graph_input.type} is neither float nor double")
    names = [o.name for o in session.get_outputs()]
    classifier = PROBABILITIES in names
    output = PROBABILITIES if classifier else names[-1]
    return OnnxModel(session, dtype, int(graph_input.shape[1]), output, classifier)


def onnx_agreement(model: Model, onnx: Artifact, x: np.ndarray) -> float:
    """Largest absolute difference between `model` and its ONNX export on the rows `x`."""
    native = model.predict(x)
    exported = load_onnx(onnx).predict(x)
    if native.shape != exported.shape:
        return float("inf")
    return float(np.max(np.abs(native - exported), initial=0.0))
