"""A training job's start and finish: the data recorded, the run opened, the version made.

The tabular search and the single-fit builders (a forecast, a segmentation) start the same way
(`start_job`: record the data version, open the run). A single-fit builder ends the same way
too (`finish_job`: register what it built, log the run's headline figures, summarize).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from modelward.datasets import DatasetVersion
from modelward.spec import ProjectSpec
from modelward.tracking import ActiveRun, start_run
from modelward.training.budget import Budget
from modelward.training.options import TrainOptions
from modelward.training.result import TrainResult
from modelward.training.source import Source, record_source
from modelward.training.version import Built, register_built
from modelward.workspace import Workspace

Step = Callable[[str], None]


class SingleFitJob(Protocol):
    """A checked forecast or segmentation job: one model fitted, not searched for."""

    def run(self, ws: Workspace, source: Source, budget: Budget, step: Step) -> TrainResult: ...


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


def finish_job(
    ws: Workspace, source: Source, spec: ProjectSpec, started: Started, built: Built, budget: Budget
) -> TrainResult:
    """Register a single-fit job's model as a candidate version and summarize the job."""
    model = register_built(ws, project=source.project, run_uid=started.run.uid, built=built)
    run = started.run
    cpu = time.process_time() - started.cpu_started  # fitted in this process, threads included
    run.log_param("model", model.ref)
    run.log_metrics(
        {
            "cv_score": built.score,
            "trials_total": 1.0,
            "trials_complete": 1.0,
            "compute_cpu_seconds": cpu,
            "cost": cpu / 3600.0 * spec.prices.cpu_hour,
            "wall_seconds": budget.elapsed(),
        }
    )
    return TrainResult(
        run=run.uid,
        model=model,
        metric=built.metric,
        score=built.score,
        dataset=started.version.ref,
        task=built.task,
        members=tuple(dict(m) for m in built.members),
        trials=built.trials,
        seconds=budget.elapsed(),
        budget=budget.seconds,
        notes=built.notes,
    )
