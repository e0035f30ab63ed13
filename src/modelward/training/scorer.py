"""What every loaded model offers its callers, whatever the problem type.

Tabular models (`Predictor`), forecasters and segmenters are loaded from their bundles by
`load_scorer`, which reads the manifest's format; batch scoring, the server, evaluation and
monitoring call only what `Scorer` declares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import polars as pl

from modelward.registry import Bundle
from modelward.training.records import Record
from modelward.training.schema import InputSchema
from modelward.training.target import Target

if TYPE_CHECKING:
    from modelward.training.predictor import DecisionRule, RecordPrediction


class Scorer(Protocol):
    """A loaded model version. Thread-safe for prediction; holds no open files.

    - `target`: the column predicted and the task (`Task.FORECAST`: values; `Task.SEGMENT`:
      `classes` are the segment labels, and `predict` gives `proba_<segment>` memberships).
    - `schema`: the input columns each row must have.
    - `predict`: `prediction` (the most probable class, or the value; + `proba_<label>` for
      classes; + `lower`/`upper` for a forecast), in row order. Deciding is not the model's
      job: `modelward.model.ModelRuntime` adds the decision under the approved policy.
    - `decision`: a binary model's own per-group thresholds (fairness post-processing), which
      the runtime's policy applies.
    - `predict_array`: probabilities (n, K) for classes, values (n,) otherwise.
    """

    @property
    def target(self) -> Target: ...

    @property
    def schema(self) -> InputSchema: ...

    @property
    def decision(self) -> DecisionRule | None: ...

    @property
    def runtimes(self) -> list[str]: ...

    def predict_array(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> np.ndarray: ...

    def predict(self, frame: pl.DataFrame, *, ignore_extra: bool = False) -> pl.DataFrame: ...

    def predict_records(
        self, records: Sequence[Record], *, ignore_extra: bool = False
    ) -> RecordPrediction: ...


def load_scorer(bundle: Bundle) -> Scorer:
    """The bundle's model, loaded by the kind its manifest names."""
    kind: Any = bundle.manifest.get("format")
    if kind == "modelward.forecast/1":
        from modelward.training.forecast.predictor import ForecastPredictor

        return ForecastPredictor.from_bundle(bundle)
    if kind == "modelward.segments/1":
        from modelward.training.segment.predictor import SegmentPredictor

        return SegmentPredictor.from_bundle(bundle)
    from modelward.training.predictor import Predictor

    return Predictor.from_bundle(bundle)
