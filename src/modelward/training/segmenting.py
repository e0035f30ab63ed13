"""The `train --task segment` job: customer segments, their quality and profiles, registered.

There is no target: the spec's `target`, when it names one (churn, say), is the outcome the
profiles describe per segment ("churn rate 0.3x the average") and is never clustered on. Nor
are sensitive attributes: a segment defined by gender or age would carry its bias downstream.
Without a named outcome, a two-valued column named like one (`churn`, `default`, `fraud`, ...)
is taken as the outcome: clustered on, it would split customers by what happened to them and
make every new customer's segment wait for that outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.spec import ProjectSpec, Task
from modelward.training.budget import Budget
from modelward.training.evidence import Evidence
from modelward.training.job import Step, finish_job, start_job
from modelward.training.options import TrainOptions
from modelward.training.result import TrainResult
from modelward.training.segment.choose import SegmentOptions
from modelward.training.segment.encode import TARGET, fit_encoder
from modelward.training.segment.fit import SegmentFit, fit_segments
from modelward.training.segment.model import Method
from modelward.training.segment.predictor import segment_manifest, segment_target
from modelward.training.setup import SegmentSetup
from modelward.training.source import Source
from modelward.training.version import Built
from modelward.workspace import Workspace

# Column names (lower case, letters and digits only) that name an outcome, not a trait.
OUTCOME_NAMES = frozenset(
    {
        "churn", "churned", "attrition", "exited", "cancelled", "canceled", "default",
        "defaulted", "fraud", "isfraud", "converted", "conversion", "response", "responded",
        "outcome", "target", "label", "y", "class", "readmitted", "left", "bad", "purchased",
    }
)  # fmt: skip


@dataclass(frozen=True)
class SegmentJob:
    spec: ProjectSpec
    options: TrainOptions
    frame: pl.DataFrame
    exclude: tuple[str, ...]
    search: SegmentOptions
    outcome: str | None  # the spec's target, or the column taken as the outcome
    outcome_note: str | None = None  # why a column was taken as the outcome

    def run(self, ws: Workspace, source: Source, budget: Budget, step: Step) -> TrainResult:
        started = start_job(ws, source, self.spec, self.options)
        with started.run:
            started.run.log_params(self._params())
            step("choosing the segments")
            fit = fit_segments(
                self.frame, outcome=self.outcome, exclude=self.exclude, options=self.search
            )
            step("registering the segmentation")
            return finish_job(ws, source, self.spec, started, self._fitted(fit), budget)

    def _params(self) -> dict[str, object]:
        return SegmentSetup(
            task=Task.SEGMENT.value,
            outcome=self.outcome,
            metric=self.spec.primary_metric,
            seed=self.options.seed,
            rows=self.frame.height,
            min_segments=self.search.min_segments,
            max_segments=self.search.max_segments,
            methods=tuple(m.value for m in self.search.methods),
            excluded=tuple(self.exclude),
        ).to_params()

    def _fitted(self, fit: SegmentFit) -> Built:
        metric = self.spec.primary_metric
        score = fit.quality.facts()[metric]
        manifest, files = segment_manifest(
            fit.segmentation,
            frame=self.frame,
            metric=metric,
            score=score,
            outcome=self.outcome,
            quality=fit.quality,
            profiles=fit.profiles,
        )
        chosen = fit.choice.chosen
        return Built(
            task=Task.SEGMENT.value,
            metric=metric,
            score=score,
            manifest=manifest,
            files=files,
            evidence=_evidence(self.frame, fit),
            members=({"family": chosen.method.value, "weight": 1.0, "runtime": "segments"},),
            trials=1,
            ensemble=False,
            sections={"segments": fit.to_json()},
            notes=(fit.choice.reason, self._columns_note(fit), *self._outcome_notes()),
        )

    def _columns_note(self, fit: SegmentFit) -> str:
        used = [c.name for c in fit.segmentation.encoder.schema.columns]
        left = [c for c in self.frame.columns if c not in used]
        shown = ", ".join(used[:12]) + (f" and {len(used) - 12} more" if len(used) > 12 else "")
        return f"clustered on {len(used)} column(s): {shown}; not on: {', '.join(left) or '-'}"

    def _outcome_notes(self) -> tuple[str, ...]:
        return () if self.outcome_note is None else (self.outcome_note,)


def plan_segments(
    source: Source, spec: ProjectSpec, options: TrainOptions, step: Step
) -> SegmentJob:
    """Every check of a segmentation job, before anything is written."""
    step("checking the columns to segment on")
    frame = source.frame
    if TARGET in frame.columns:
        raise InputError.field(
            "data", f"a column named {TARGET!r}", f"no column {TARGET!r}: the segment label's name"
        )
    exclude = _excluded(spec)
    search = SegmentOptions(
        min_segments=spec.segments.min_segments,
        max_segments=spec.segments.max_segments,
        methods=Method.choices(spec.segments.method),
        seed=options.seed,
    )
    search.check()
    outcome, note = spec.target, None
    if outcome is None:
        outcome = likely_outcome(frame, exclude)
        if outcome is not None:
            note = (
                f"{outcome!r} is described per segment, not clustered on: it is named like an "
                "outcome (pass --target to name the outcome yourself)"
            )
    fit_encoder(frame, outcome=outcome, exclude=exclude)  # refuses unusable data now
    return SegmentJob(spec, options, frame, exclude, search, outcome, note)


def likely_outcome(frame: pl.DataFrame, exclude: tuple[str, ...] = ()) -> str | None:
    """The first two-valued column named like an outcome (`churn`, `Default`, `is_fraud`...)."""
    for name in frame.columns:
        key = "".join(ch for ch in name.lower() if ch.isalnum())
        named = key in OUTCOME_NAMES or key.removeprefix("is") in OUTCOME_NAMES
        if named and name not in exclude and frame[name].drop_nulls().n_unique() == 2:
            return name
    return None


def _excluded(spec: ProjectSpec) -> tuple[str, ...]:
    named = (*spec.segments.exclude, *spec.sensitive, spec.time_column, spec.group_column)
    return tuple(dict.fromkeys(c for c in named if c and c != spec.target))


def _evidence(frame: pl.DataFrame, fit: SegmentFit) -> Evidence:
    """The training rows with the segment each was given: what monitoring compares against."""
    target = segment_target(fit.segmentation)
    labels = fit.labels.astype(np.int64)
    named = pl.Series(TARGET, list(target.classes), dtype=pl.String).gather(labels)
    _, membership = fit.segmentation.assign(frame, ignore_extra=True)
    return Evidence(
        target=target,
        frame=frame.with_columns(named),
        y=labels,
        oof=membership,
        fitted=membership,
        folds=np.zeros(len(labels), dtype=np.int64),
    )
