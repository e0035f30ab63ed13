"""Scoring with a registered model: check the input, encode it, blend the members' predictions.

The same code scores a batch file (`modelward predict`) and, later, HTTP requests. A binary
model may carry a decision rule (per-group thresholds, from fairness post-processing): it then
needs the rule's columns in its input and decides with them; its probabilities do not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.registry.records import Bundle
from modelward.training.bundle import BUNDLE_FORMAT
from modelward.training.encode import Encoder
from modelward.training.families import Artifact, Model, get_family, load_onnx
from modelward.training.groups import group_labels
from modelward.training.kinds import Style
from modelward.training.schema import InputSchema
from modelward.training.target import Target


@dataclass(frozen=True)
class LoadedMember:
    style: Style
    weight: float
    model: Model
    runtime: str  # "onnx" or the native format


@dataclass(frozen=True)
class DecisionRule:
    """Per-group thresholds on the positive class's probability (binary models only).

    A row's group is its `group_labels` over `columns`, as in the fairness report. A row of a
    group without its own threshold (too small to judge, or never seen) uses `default`.
    """

    columns: tuple[str, ...]
    thresholds: Mapping[str, float]
    default: float

    def groups(self, frame: pl.DataFrame) -> np.ndarray:
        """Each row's group label; InputError naming the rule's columns that `frame` lacks."""
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise InputError(
                f"input: missing column(s) {', '.join(repr(c) for c in missing)}; the model "
                "decides with per-group thresholds on them (not features: they set the threshold)"
            )
        return group_labels(frame, self.columns)

    def cuts(self, frame: pl.DataFrame) -> np.ndarray:
        """Each row's threshold."""
        found = self.thresholds
        return np.array([found.get(g, self.default) for g in self.groups(frame)], dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "thresholds": {k: float(v) for k, v in sorted(self.thresholds.items())},
            "default": float(self.default),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DecisionRule:
        thresholds = {str(k): float(v) for k, v in data["thresholds"].items()}
        return cls(tuple(str(c) for c in data["columns"]), thresholds, float(data["default"]))


@dataclass(frozen=True)
class Predictor:
    """A loaded model version. Thread-safe for prediction; holds no open files."""

    target: Target
    schema: InputSchema
    encoders: dict[Style, Encoder]
    members: tuple[LoadedMember, ...]
    decision: DecisionRule | None = None

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> Predictor:
        manifest = bundle.manifest
        if manifest.get("format") != BUNDLE_FORMAT:
            raise ValueError(f"not a modelward bundle: format {manifest.get('format')!r}")
        encoders = {Style(k): Encoder.from_json(v) for k, v in manifest["encoders"].items()}
        members = tuple(_load_member(entry, bundle.files) for entry in manifest["members"])
        decision = manifest.get("decision")
        return cls(
            Target.from_json(manifest["target"]),
            InputSchema.from_json(manifest["input_schema"]),
            encoders,
            members,
            None if decision is None else DecisionRule.from_json(decision),
        )

    def predict_array(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> np.ndarray:
        """Probabilities (n, K) for classification, values (n,) for regression."""
        conformed = self.schema.conform(frame, ignore_extra=ignore_extra)
        matrices = {style: enc.transform(conformed) for style, enc in self.encoders.items()}
        total: np.ndarray | None = None
        for member in self.members:
            pred = member.weight * member.model.predict(matrices[member.style])
            total = pred if total is None else total + pred
        assert total is not None
        return total

    def predict(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> pl.DataFrame:
        """`prediction`, and `proba_<label>` per class for classification, in row order.

        With a decision rule, `prediction` is the positive class where its probability reaches
        the row's group threshold; the rule's columns must be in `frame` (InputError otherwise).
        """
        cuts = None if self.decision is None else self.decision.cuts(frame)
        raw = self.predict_array(frame, ignore_extra=ignore_extra)
        if not self.target.is_classification:
            return pl.DataFrame({"prediction": raw})
        labels = pl.Series("prediction", list(self.target.classes))
        chosen = raw.argmax(axis=1) if cuts is None else (raw[:, 1] >= cuts).astype(np.int64)
        columns: dict[str, Any] = {"prediction": labels.gather(chosen)}
        for i, label in enumerate(self.target.classes):
            columns[f"proba_{label}"] = raw[:, i]
        return pl.DataFrame(columns)

    @property
    def runtimes(self) -> list[str]:
        return [m.runtime for m in self.members]


def _load_member(entry: dict[str, Any], files: dict[str, bytes]) -> LoadedMember:
    style, weight = Style(entry["style"]), float(entry["weight"])
    onnx = entry.get("onnx")
    if onnx is not None and entry.get("runtime", "onnx") == "onnx":
        model = load_onnx(Artifact("onnx", onnx["file"], files[onnx["file"]]))
        return LoadedMember(style, weight, model, "onnx")
    native = entry["native"]
    artifact = Artifact(
        native["format"], native["file"], files[native["file"]], tuple(native.get("trusted", ()))
    )
    model = get_family(entry["family"]).load(artifact)
    return LoadedMember(style, weight, model, native["format"])
