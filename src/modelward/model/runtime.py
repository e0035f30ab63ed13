"""The model runtime: one loaded model version that predicts and decides, for every caller.

`modelward predict`, `ws.predict`, the server, monitoring and retraining all load a version
here and get the same answers: the model's `prediction` (the most probable label, or the
value), the probabilities, and for classification the `decision` under the approved policy
(see `policy`). The bundle is verified once at load; predicting touches no file or store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.model.evaluations import policy_evaluation
from modelward.model.policy import DecisionPolicy
from modelward.registry import ModelVersion, get_model, load_bundle
from modelward.spec import Task
from modelward.training import (
    InputSchema,
    Predictor,
    RecordPrediction,
    Scorer,
    Target,
    identifier_columns,
    load_scorer,
)
from modelward.workspace import Workspace

DECISION = "decision"
Answer = dict[str, Any]
# Up to this many rows, a frame is scored as records (no polars): for one row that is a tenth
# of a millisecond instead of two. Only column types whose values the record reader reads
# exactly as the frame's cast does take that path.
SMALL_FRAME = 16
# Not Float32: its values as Python floats print as other text than polars casts them to.
_RECORD_SAFE: tuple[type[pl.DataType], ...] = (pl.Boolean, pl.String, pl.Float64)
_RECORD_SAFE += (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


@dataclass(frozen=True)
class ModelRuntime:
    """A verified, loaded model version and its decision policy. Immutable and thread-safe.

    `policy` is set for binary models (the evaluated one, else the default); a multiclass
    model's decision is its most probable class; other tasks have no decision.
    """

    version: ModelVersion
    scorer: Scorer
    policy: DecisionPolicy | None = None

    @property
    def ref(self) -> str:
        return self.version.ref

    @property
    def target(self) -> Target:
        return self.scorer.target

    @property
    def schema(self) -> InputSchema:
        return self.scorer.schema

    @property
    def decides(self) -> bool:
        return self.target.task in (Task.BINARY, Task.MULTICLASS)

    def predict(
        self, frame: pl.DataFrame, *, ignore_extra: bool = False, keep: Sequence[str] = ()
    ) -> pl.DataFrame:
        """`keep` columns of `frame` first, then `prediction`, `proba_<label>` per class (or
        `lower`/`upper` for a forecast) and `decision`, in row order.

        Raises InputError for a `keep` column `frame` lacks, or input the model cannot read.
        """
        missing = [c for c in keep if c not in frame.columns]
        if missing:
            shown = ", ".join(frame.columns[:20])
            raise InputError.field("--keep", ",".join(missing), f"columns of the input: {shown}")
        # A kept identifier the model never saw is carried, not refused as an unknown column.
        unknown = [c for c in keep if c not in self.schema.known]
        scored = frame.drop(unknown) if unknown else frame
        small = 0 < scored.height <= SMALL_FRAME  # no rows: the frame path checks the columns
        out = self._predict_small(scored, ignore_extra) if small else None
        if out is None:
            out = self.scorer.predict(scored, ignore_extra=ignore_extra)
            if self.decides:
                out = out.with_columns(pl.Series(DECISION, self._decide_frame(frame, out)))
        kept = frame.select(keep).rename({c: _free(c, out.columns) for c in keep})
        return pl.concat([kept, out], how="horizontal") if keep else out

    def _predict_small(self, frame: pl.DataFrame, ignore_extra: bool) -> pl.DataFrame | None:
        """`predict` of a few rows through the record path; None where it cannot stand in for
        the frame path (other model kinds, column types, or input it refuses: the frame path
        then scores it, or names what is wrong in its own terms)."""
        if not isinstance(self.scorer, Predictor):
            return None
        if not all(isinstance(dtype, _RECORD_SAFE) for dtype in frame.schema.values()):
            return None
        try:
            result, decided = self.predict_records(frame.to_dicts(), ignore_extra=ignore_extra)
        except InputError:
            return None
        return self.scorer.frame_of(result.raw, **({} if decided is None else {DECISION: decided}))

    def predict_records(
        self, records: Sequence[Mapping[str, Any]], *, ignore_extra: bool = False
    ) -> tuple[RecordPrediction, list[Any] | None]:
        """The scores of JSON records and, where the model decides, each record's decision."""
        result = self.scorer.predict_records(records, ignore_extra=ignore_extra)
        if not self.decides:
            return result, None
        if self.policy is None:
            return result, list(result.prediction)
        acted = self.policy.acted(result.raw[:, 1], self.policy.record_cuts(records))
        return result, self.policy.decisions(acted)

    def answers(
        self,
        records: Sequence[Mapping[str, Any]],
        *,
        ignore_extra: bool = False,
        digits: int | None = None,
    ) -> list[Answer]:
        """One JSON-ready answer per record: `prediction`, `proba` (classes), `decision`."""
        result, decided = self.predict_records(records, ignore_extra=ignore_extra)
        answers = self._answers(result.raw, result.prediction, decided, digits)
        return _with_bounds(answers, result.bounds, digits)

    def answers_frame(self, frame: pl.DataFrame, *, digits: int | None = None) -> list[Answer]:
        """`answers` of a frame (a CSV or Parquet body), through the vectorized path."""
        out = self.predict(frame)
        if not self.target.is_classification:
            answers = self._answers(out["prediction"].to_numpy(), [], None, digits)
            bounds = out.select("lower", "upper").to_numpy() if "upper" in out.columns else None
            return _with_bounds(answers, bounds, digits)
        raw = out.select([f"proba_{label}" for label in self.target.classes]).to_numpy()
        decided = out[DECISION].to_list() if DECISION in out.columns else None
        return self._answers(raw, out["prediction"].to_list(), decided, digits)

    def _decide_frame(self, frame: pl.DataFrame, out: pl.DataFrame) -> list[Any]:
        if self.policy is None:
            return out["prediction"].to_list()
        positive = out[f"proba_{self.target.classes[1]}"].to_numpy()
        return self.policy.decisions(self.policy.acted(positive, self.policy.cuts(frame)))

    def _answers(
        self,
        raw: np.ndarray,
        labels: Sequence[object],
        decided: Sequence[object] | None,
        digits: int | None,
    ) -> list[Answer]:
        if not self.target.is_classification:
            values = raw.tolist() if digits is None else np.round(raw, digits).tolist()
            return [{"prediction": v} for v in values]
        classes = [str(c) for c in self.target.classes]
        probabilities = (raw if digits is None else np.round(raw, digits)).tolist()
        answers = [
            {"prediction": label, "proba": dict(zip(classes, row, strict=True))}
            for label, row in zip(labels, probabilities, strict=True)
        ]
        if decided is not None:
            for answer, decision in zip(answers, decided, strict=True):
                answer[DECISION] = decision
        return answers


def load_runtime(ws: Workspace, ref: str) -> ModelRuntime:
    """The version `ref` names, verified and loaded, with its approved decision policy."""
    version = get_model(ws, ref)
    return _runtime(ws, version, load_scorer(load_bundle(ws, version)))


def _runtime(ws: Workspace, version: ModelVersion, scorer: Scorer) -> ModelRuntime:
    return ModelRuntime(version, scorer, evaluated_policy(ws, version, scorer.target, scorer))


def cached_runtime(ws: Workspace, ref: str) -> ModelRuntime:
    """`load_runtime`, kept while nothing is recorded in the workspace (a registration, a stage
    move, an approval, an evaluation: whatever changes what `ref` names or how it decides):
    a loop of `ws.predict` calls loads and verifies the model once."""

    def build(previous: ModelRuntime | None) -> ModelRuntime:
        version = get_model(ws, ref)
        if previous is not None and previous.version.id == version.id:
            return _runtime(ws, version, previous.scorer)  # a registered bundle never changes
        return _runtime(ws, version, load_scorer(load_bundle(ws, version)))

    return ws.while_unchanged(("runtime", ref), build)


def evaluated_policy(
    ws: Workspace, version: ModelVersion, target: Target, scorer: Scorer | None = None
) -> DecisionPolicy | None:
    """The policy a binary model decides with: the one chosen by the evaluation its approval
    was given on (else its newest evaluation), else its own per-group rule, else 0.5. None for
    other tasks."""
    if target.task is not Task.BINARY:
        return None
    rule = None if scorer is None else scorer.decision
    found = policy_evaluation(ws, version)
    report = None if found is None else found.typed_report
    if report is not None and report.policy is not None:
        return DecisionPolicy.from_json(report.policy)
    # Reports from before the policy was stored name only the threshold they judged.
    legacy = None if report is None or report.threshold is None else report.threshold.value
    if rule is None and legacy is not None and 0 <= legacy <= 1:
        return DecisionPolicy.of(target, legacy, action=None)
    return DecisionPolicy.default(target, rule=rule)


def id_columns(runtime: ModelRuntime, frame: pl.DataFrame) -> list[str]:
    """The input's identifier-like columns (not features) that scored rows should carry."""
    features = [c.name for c in runtime.schema.columns]
    return identifier_columns(frame, besides=features)


def _free(name: str, taken: Sequence[str]) -> str:
    """A kept column's name, prefixed where the output has a column of that name."""
    return name if name not in taken else f"input_{name}"


def _with_bounds(
    answers: list[Answer], bounds: np.ndarray | None, digits: int | None
) -> list[Answer]:
    """A forecast's answers with their prediction interval: `lower` and `upper`."""
    if bounds is None:
        return answers
    shown = (bounds if digits is None else np.round(bounds, digits)).tolist()
    for answer, (low, high) in zip(answers, shown, strict=True):
        answer["lower"], answer["upper"] = low, high
    return answers
