"""Training jobs that are not a search over model families: forecasts and segmentations.

Each is checked in full by `other_job` before anything is written (a refused job leaves no
project, dataset version or run), then `run` records the data, the run and the model version as
a tabular job does, so that evaluation, review, serving and monitoring take it from there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from modelward.datasets import DatasetVersion
from modelward.registry import ModelVersion, register_model
from modelward.spec import ProjectSpec, Task
from modelward.tracking import ActiveRun, start_run
from modelward.training.budget import Budget
from modelward.training.evidence import Evidence, save_evidence
from modelward.training.options import TrainOptions
from modelward.training.result import TrainResult
from modelward.training.source import Source, record_source
from modelward.workspace import Workspace

Step = Callable[[str], None]


class OtherJob(Protocol):
    def run(self, ws: Workspace, source: Source, budget: Budget, step: Step) -> TrainResult: ...


def other_job(
    source: Source, spec: ProjectSpec, options: TrainOptions, step: Step
) -> OtherJob | None:
    """The checked job for a forecast or a segmentation; None for a tabular task."""
    if spec.task is Task.FORECAST:
        from modelward.training.forecasting import plan_forecast

        return plan_forecast(source, spec, options, step)
    if spec.task is Task.SEGMENT:
        from modelward.training.segmenting import plan_segments

        return plan_segments(source, spec, options, step)
    return None


@dataclass(frozen=True)
class Started:
    """A job's recorded data and its open run."""

    version: DatasetVersion
    run: ActiveRun
    cpu_started: float  # process CPU seconds when the job began


def start_job(ws: Workspace, source: Source, spec: ProjectSpec, options: TrainOptions) -> Started:
    version = record_source(ws, source, spec)
    run = start_run(
        ws, name=options.name, project=source.project, dataset=version.ref, seed=options.seed
    )
    return Started(version, run, time.process_time())


@dataclass(frozen=True)
class Fitted:
    """What a forecast or segmentation job hands to the registry."""

    task: Task
    metric: str
    score: float
    manifest: dict[str, Any]
    files: Mapping[str, bytes]
    evidence: Evidence
    summary: dict[str, Any]
    members: tuple[dict[str, Any], ...]
    notes: tuple[str, ...] = ()


def register_fitted(
    ws: Workspace,
    source: Source,
    spec: ProjectSpec,
    started: Started,
    fitted: Fitted,
    budget: Budget,
) -> TrainResult:
    """Register the fitted model as a candidate version and summarize the job."""
    summary = {
        **fitted.summary,
        "members": list(fitted.members),
        "ensemble": False,
        "trials": 1,
        "notes": list(fitted.notes),
        "evidence": save_evidence(ws, fitted.evidence),
    }
    model: ModelVersion = register_model(
        ws,
        project=source.project,
        run_uid=started.run.uid,
        task=fitted.task.value,
        metric=fitted.metric,
        score=fitted.score,
        summary=summary,
        input_schema=fitted.manifest["input_schema"],
        output_schema=fitted.manifest["output_schema"],
        manifest=fitted.manifest,
        files=fitted.files,
    )
    _log_outcome(started, fitted, model, budget, spec)
    return TrainResult(
        run=started.run.uid,
        model=model,
        metric=fitted.metric,
        score=fitted.score,
        dataset=started.version.ref,
        task=fitted.task.value,
        members=fitted.members,
        trials=1,
        seconds=budget.elapsed(),
        budget=budget.seconds,
        notes=fitted.notes,
    )


def _log_outcome(
    started: Started, fitted: Fitted, model: ModelVersion, budget: Budget, spec: ProjectSpec
) -> None:
    """The run's headline figures, as a search's are: score, compute and its cost."""
    run = started.run
    cpu = time.process_time() - started.cpu_started  # fitted in this process, threads included
    run.log_param("model", model.ref)
    run.log_metrics(
        {
            "cv_score": fitted.score,
            "trials_total": 1.0,
            "trials_complete": 1.0,
            "compute_cpu_seconds": cpu,
            "cost": cpu / 3600.0 * spec.prices.cpu_hour,
            "wall_seconds": budget.elapsed(),
        }
    )
