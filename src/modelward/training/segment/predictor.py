"""A registered segmentation as a `Scorer`: each row's segment and its memberships.

The bundle's manifest holds everything (encoding, model, profiles) as JSON; it has no files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from modelward.registry import Bundle
from modelward.spec import Task
from modelward.training.bundle import output_schema
from modelward.training.predictor import DecisionRule, RecordPrediction
from modelward.training.records import Record, RecordReader
from modelward.training.schema import InputSchema, target_dtype
from modelward.training.segment.encode import TARGET
from modelward.training.segment.model import Segmentation
from modelward.training.segment.profiles import SegmentProfile, describe_segments
from modelward.training.segment.quality import Quality
from modelward.training.target import Target

SEGMENTS_FORMAT = "modelward.segments/1"
RUNTIME = "segments"


@dataclass(frozen=True)
class SegmentPredictor:
    """A loaded segmentation. Thread-safe for prediction; holds no open files.

    Raises InputError for input it cannot score: a missing column, a value of the wrong type,
    an unknown column (unless `ignore_extra`).
    """

    segmentation: Segmentation

    @classmethod
    def from_bundle(cls, bundle: Bundle) -> SegmentPredictor:
        manifest = bundle.manifest
        if manifest.get("format") != SEGMENTS_FORMAT:
            raise ValueError(f"not a segments bundle: format {manifest.get('format')!r}")
        return cls(Segmentation.from_json(manifest["segments"]["model"]))

    @property
    def target(self) -> Target:
        return segment_target(self.segmentation)

    @property
    def schema(self) -> InputSchema:
        return self.segmentation.encoder.schema

    @property
    def decision(self) -> DecisionRule | None:
        return None

    @property
    def runtimes(self) -> list[str]:
        return [RUNTIME]

    def predict_array(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> np.ndarray:
        """Memberships (n, k): each row's probability of each segment, rows summing to 1."""
        _, membership = self.segmentation.assign(frame, ignore_extra=ignore_extra)
        return membership

    def predict(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> pl.DataFrame:
        """`prediction` (the segment's label) and `proba_<label>` per segment, in row order."""
        labels, membership = self.segmentation.assign(frame, ignore_extra=ignore_extra)
        return _frame(self.segmentation.labels, labels, membership)

    def predict_records(
        self,
        records: Sequence[Record],
        *,
        ignore_extra: bool = False,
    ) -> RecordPrediction:
        """`predict` of JSON records; InputError names `records[i]` and the field."""
        rows = self.reader.read(records, ignore_extra=ignore_extra)
        k = self.segmentation.k
        if not rows:
            empty = np.empty((0, k), dtype=np.float64)
            empty.flags.writeable = False
            return RecordPrediction(empty, (), "polars")
        conformed = pl.DataFrame(
            [
                pl.Series(c.name, [row[c.name] for row in rows], dtype=target_dtype(c))
                for c in self.schema.columns
            ]
        )
        points = self.segmentation.encoder.matrix(conformed)
        labels, membership = self.segmentation.assign_matrix(points)
        membership.flags.writeable = False
        names = self.segmentation.labels
        return RecordPrediction(membership, tuple(names[i] for i in labels.tolist()), "polars")

    @cached_property
    def reader(self) -> RecordReader:
        """The schema's record reader, prepared once."""
        return RecordReader.of(self.schema)


def segment_target(segmentation: Segmentation) -> Target:
    return Target(TARGET, Task.SEGMENT, segmentation.labels)


def segment_manifest(
    segmentation: Segmentation,
    *,
    frame: pl.DataFrame,
    metric: str,
    score: float,
    outcome: str | None,
    quality: Quality | None = None,
    profiles: Sequence[SegmentProfile] | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The bundle manifest of `segmentation` fitted on `frame`, and its files (none).

    `metric` and `score` are the quality measure the registry ranks versions by (e.g.
    silhouette); the profiles describe `frame`'s rows, with `outcome` per segment (given
    when already computed, as `fit_segments` does).
    """
    labels = list(segmentation.labels)
    if profiles is None:
        profiles = describe_segments(segmentation, frame, outcome=outcome)
    segments: dict[str, Any] = {
        "model": segmentation.to_json(),
        "profiles": [p.to_json() for p in profiles],
        "outcome": outcome,
        "quality": None if quality is None else quality.to_json(),
    }
    manifest = {
        "format": SEGMENTS_FORMAT,
        "target": segment_target(segmentation).to_json(),
        "input_schema": segmentation.encoder.schema.to_json(),
        "output_schema": output_schema(True, labels),
        "metric": metric,
        "cv_score": score,
        "segments": segments,
    }
    return manifest, {}


def _frame(names: tuple[str, ...], labels: np.ndarray, membership: np.ndarray) -> pl.DataFrame:
    columns: dict[str, Any] = {
        "prediction": pl.Series("prediction", list(names), dtype=pl.String).gather(labels)
    }
    for i, name in enumerate(names):
        columns[f"proba_{name}"] = membership[:, i]
    return pl.DataFrame(columns)
