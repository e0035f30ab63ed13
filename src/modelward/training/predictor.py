"""Scoring with a registered model: check the input, encode it, blend the members' predictions.

The same code scores a batch file (`modelward predict`) and, later, HTTP requests. It predicts:
the most probable class and the probabilities (or the value). Deciding is the runtime's
(`modelward.model`): a binary model may carry a decision rule (per-group thresholds, from
fairness post-processing), which this module defines and the runtime's policy applies.

A handful of JSON records (an HTTP request) is scored by `predict_records` without polars where
every column code allows it: the same numbers, bit for bit, at a fraction of the cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.registry import Bundle
from modelward.training.encode import Encoder
from modelward.training.families import Artifact, Model, get_family, load_onnx
from modelward.training.groups import group_labels
from modelward.training.kinds import Style
from modelward.training.manifest import MemberEntry, TabularManifest
from modelward.training.records import Record, RecordReader, group_label, quoted
from modelward.training.schema import InputSchema, target_dtype
from modelward.training.target import Label, Target


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

    def record_cuts(self, records: Sequence[Record]) -> np.ndarray:
        """`cuts` for JSON records (each a mapping); InputError naming the record and field."""
        found = self.thresholds
        labels = [self._record_group(i, record) for i, record in enumerate(records)]
        return np.array([found.get(g, self.default) for g in labels], dtype=np.float64)

    def _record_group(self, i: int, record: Record) -> str:
        missing = [c for c in self.columns if c not in record]
        if missing:
            raise InputError(
                f"records[{i}]: missing field(s) {quoted(missing)}; the model decides with "
                "per-group thresholds on them (not features: they set the threshold)"
            )
        labels = []
        for column in self.columns:
            try:
                labels.append(group_label(record[column]))
            except ValueError:
                expected = "text, true/false or a finite number (it picks the threshold)"
                raise InputError.field(f"records[{i}].{column}", record[column], expected) from None
        if len(labels) == 1:
            return labels[0]
        return " & ".join(f"{c}={g}" for c, g in zip(self.columns, labels, strict=True))

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


Engine = Literal["records", "polars"]


@dataclass(frozen=True)
class RecordPrediction:
    """Scores of JSON records, in record order.

    `raw` is what `predict_array` gives (probabilities (n, K), or values (n,)), read-only;
    `prediction` what `predict`'s `prediction` column holds (the chosen class, or the value);
    `engine` says how the rows were encoded: "records" (pure Python) or "polars";
    `bounds` a forecast's prediction interval per row (n, 2): lower, upper.
    """

    raw: np.ndarray
    prediction: tuple[Label, ...]
    engine: Engine
    bounds: np.ndarray | None = None


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
        manifest = TabularManifest.from_json(bundle.manifest)
        encoders = {Style(k): Encoder.from_json(v) for k, v in manifest.encoders.items()}
        members = tuple(_load_member(entry, bundle.files) for entry in manifest.members)
        decision = manifest.decision
        return cls(
            Target.from_json(manifest.target),
            InputSchema.from_json(manifest.input_schema),
            encoders,
            members,
            None if decision is None else DecisionRule.from_json(decision),
        )

    def predict_array(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> np.ndarray:
        """Probabilities (n, K) for classification, values (n,) for regression."""
        conformed = self.schema.conform(frame, ignore_extra=ignore_extra)
        return self._blend(
            {style: enc.transform(conformed) for style, enc in self.encoders.items()}
        )

    def predict(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> pl.DataFrame:
        """`prediction` (the most probable class, or the value), and `proba_<label>` per class
        for classification, in row order."""
        return self.frame_of(self.predict_array(frame, ignore_extra=ignore_extra))

    def frame_of(self, raw: np.ndarray, **more: Sequence[object]) -> pl.DataFrame:
        """`predict`'s frame of `predict_array`'s (or `predict_records`') raw scores, with
        `more` columns after them (built in one go: each step on a frame costs on a few rows)."""
        if not self.target.is_classification:
            return pl.DataFrame({"prediction": raw, **more})
        columns: dict[str, Any] = {"prediction": self._labels.gather(raw.argmax(axis=1))}
        for i, label in enumerate(self.target.classes):
            columns[f"proba_{label}"] = raw[:, i]
        return pl.DataFrame({**columns, **more})

    @cached_property
    def _labels(self) -> pl.Series:
        return pl.Series("prediction", list(self.target.classes))

    def predict_records(
        self, records: Sequence[Record], *, ignore_extra: bool = False
    ) -> RecordPrediction:
        """`predict` of JSON records (mappings of field to None, bool, int, float or str).

        Values are read as `InputSchema.conform` reads a frame's (see `training.records` for
        the few values refused here that polars would misread); InputError names `records[i]`
        and the field. Rows are encoded in pure Python where every column code allows it,
        else through polars; either way the numbers are those of `predict`.
        """
        rows = self.reader.read(records, ignore_extra=ignore_extra)
        raw, engine = self._score_rows(rows)
        raw.flags.writeable = False
        if not self.target.is_classification:
            return RecordPrediction(raw, tuple(raw.tolist()), engine)
        classes = self.target.classes
        chosen = tuple(classes[i] for i in raw.argmax(axis=1).tolist())
        return RecordPrediction(raw, chosen, engine)

    @cached_property
    def reader(self) -> RecordReader:
        """The schema's record reader, prepared once."""
        return RecordReader.of(self.schema)

    @property
    def runtimes(self) -> list[str]:
        return [m.runtime for m in self.members]

    def _score_rows(self, rows: list[dict[str, Any]]) -> tuple[np.ndarray, Engine]:
        if not rows:
            width = (0, self.target.n_classes) if self.target.is_classification else (0,)
            return np.empty(width, dtype=np.float64), "records"
        matrices: dict[Style, np.ndarray] = {}
        frame: pl.DataFrame | None = None
        for style, encoder in self.encoders.items():
            if encoder.supports_records:
                matrices[style] = encoder.transform_records(rows)
                continue
            frame = self._frame(rows) if frame is None else frame
            matrices[style] = encoder.transform(frame)
        return self._blend(matrices), "records" if frame is None else "polars"

    def _frame(self, rows: list[dict[str, Any]]) -> pl.DataFrame:
        """Conformed rows as the frame `InputSchema.conform` would have given."""
        return pl.DataFrame(
            [
                pl.Series(c.name, [row[c.name] for row in rows], dtype=target_dtype(c))
                for c in self.schema.columns
            ]
        )

    def predict_encoded(self, matrices: Mapping[Style, np.ndarray]) -> np.ndarray:
        """`predict_array` of rows already encoded, one matrix per encoding style."""
        return self._blend(matrices)

    def _blend(self, matrices: Mapping[Style, np.ndarray]) -> np.ndarray:
        total: np.ndarray | None = None
        for member in self.members:
            pred = member.weight * member.model.predict(matrices[member.style])
            total = pred if total is None else total + pred
        assert total is not None
        return total


def _load_member(entry: MemberEntry, files: dict[str, bytes]) -> LoadedMember:
    onnx = entry.onnx
    if onnx is not None and entry.scores_on_onnx:
        model = load_onnx(Artifact("onnx", onnx.file, files[onnx.file]))
        return LoadedMember(entry.style, entry.weight, model, "onnx")
    native = entry.native
    artifact = Artifact(native.format, native.file, files[native.file], native.trusted)
    model = get_family(entry.family).load(artifact)
    return LoadedMember(entry.style, entry.weight, model, native.format)
