"""The retrain use case: a challenger for a deployment's champion, trained without forgetting.

1. New data: `data` (a dataset reference), else the newest version of the dataset the champion
   was trained on, which must be newer than that one.
2. The memory set (older rows kept with the deployment) is refreshed from the previous memory
   and the champion's training rows, and stored as `<deployment>-memory`.
3. The challenger trains on the new data's earlier share plus part of the memory (rehearsal),
   stored as `<deployment>-retrain`. A champion whose members are all LightGBM is warm-started
   (`retraining.warm`): it keeps its trees and continues boosting on those rows. Any other
   champion, or `warm=False` (`--full`), gets a full retrain through the normal training job:
   search, refit, signing. Either way the challenger is evaluated.
4. The forgetting guard scores champion and challenger on the new data's latest share and on
   the held-out memory; its figures join the challenger's evaluation facts (`recent_gain`,
   `forgetting_loss`), so gates can name them. A challenger that forgets beyond the spec's
   bound is archived with the reason; one that passes is a candidate for review and a canary.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl

from modelward.datasets import DatasetVersion, add_dataset, get_version, list_versions, load_frame
from modelward.errors import InputError, NotFound
from modelward.evaluation import evaluate_model, evaluation_html, get_evaluation
from modelward.model import save_evaluation
from modelward.registry import ModelVersion, get_model
from modelward.retraining.guard import ForgettingReport, guard
from modelward.retraining.memory import refresh_memory, split
from modelward.retraining.warm import warm_start
from modelward.review import archive, train_and_review
from modelward.serving import get_deployment
from modelward.spec import Task, get_project
from modelward.tracking import get_run
from modelward.training import TrainOptions, get_metric, load_evidence, load_predictor
from modelward.workspace import Workspace

RECENT_SHARE = 0.2  # of the new data, held out to compare champion and challenger
MEMORY_HELD_OUT = 0.3  # of the memory set, held out for the forgetting guard

Method = Literal["warm start", "full retrain"]
WARM: Method = "warm start"
FULL: Method = "full retrain"


@dataclass(frozen=True)
class RetrainResult:
    deployment: str
    champion: str
    challenger: str
    data: str
    training_data: str
    memory: str
    guard: ForgettingReport
    archived: bool
    method: Method
    method_reason: str  # what the warm start did, or why the retrain was a full one

    @property
    def sentence(self) -> str:
        """How the challenger was made, and why that way."""
        return f"{self.method}: {self.method_reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "champion": self.champion,
            "challenger": self.challenger,
            "data": self.data,
            "training_data": self.training_data,
            "memory": self.memory,
            "method": self.method,
            "method_reason": self.method_reason,
            "guard": self.guard.to_json(),
            "archived": self.archived,
            "next": (
                "the challenger forgot too much and was archived"
                if self.archived
                else f"review {self.challenger} (gates, approval), then "
                f"`modelward deploy canary {self.deployment} --model {self.challenger}`"
            ),
        }


def retrain(
    ws: Workspace,
    deployment: str,
    *,
    data: str | None = None,
    budget: float | None = None,
    trials: int | None = None,
    seed: int = 0,
    warm: bool = True,
) -> RetrainResult:
    """A challenger for the deployment's champion, trained on new data plus the memory set.

    `warm`: continue the champion's boosting where its family allows (else, or when False, a
    full retrain within `budget` / `trials`). The challenger is evaluated, then judged by the
    forgetting guard; one that forgets beyond the spec's bound is archived.
    """
    champion = get_model(ws, get_deployment(ws, deployment).routes.primary)
    if champion.task in (Task.FORECAST, Task.SEGMENT):
        raise InputError.field(
            "deployment",
            f"{deployment} (serves {champion.ref}, a {champion.task} model)",
            "a classification or regression deployment; a forecast or segmentation is refitted "
            "on its whole history with `modelward train`, then rolled out with `deploy canary`",
        )
    spec = get_project(ws, champion.project).spec
    evidence = load_evidence(ws, champion)
    target = evidence.target
    options = TrainOptions(
        target=target.column,
        task=Task(champion.task),
        budget=budget,
        trials=trials,
        metric=champion.metric,
        project=champion.project,
        seed=seed,
        name=f"retrain-{deployment}",
    )
    options.validate()  # before anything is written, whichever way the challenger is made
    new_version = _new_data(ws, champion, data)
    new = load_frame(ws, new_version)
    if target.column not in new.columns:
        raise InputError.field("--data", new_version.ref, f"data with the target {target.column!r}")
    memory = refresh_memory(
        evidence.frame,
        _previous_memory(ws, deployment),
        target=target.column,
        classification=target.is_classification,
        seed=seed,
    )
    new_train, recent = split(new, RECENT_SHARE, seed=seed, time_column=spec.time_column)
    rehearsal, older = split(memory, MEMORY_HELD_OUT, seed=seed, time_column=None)
    columns = [c for c in new_train.columns if c in rehearsal.columns]
    combined = pl.concat([new_train, rehearsal.select(columns)], how="diagonal_relaxed")
    training = _store(ws, combined, f"{deployment}-retrain", champion.project)
    challenger, method, why = _challenger(ws, champion, training.ref, options, warm=warm)
    report = guard(
        get_metric(champion.metric, Task(champion.task)),
        load_predictor(ws, champion.ref)[1],
        load_predictor(ws, challenger.ref)[1],
        recent=recent,
        older=older.select([c for c in older.columns if c in recent.columns]),
        bound=spec.monitoring.forgetting_bound,
    )
    _add_facts(ws, challenger, report)
    # kept only once a challenger exists: a failed retrain leaves the memory as it was
    memory_ref = _store(ws, memory, f"{deployment}-memory", champion.project).ref
    if not report.passed:
        archive(ws, challenger.ref, comment=f"forgetting guard: {report.sentence}")
    with ws.transaction() as conn:
        action = "retrain.completed" if report.passed else "retrain.refused"
        payload = {
            "champion": champion.ref,
            "challenger": challenger.ref,
            "method": method,
            **report.to_json(),
        }
        ws.record(conn, action, f"deployment/{deployment}", payload)
    return RetrainResult(
        deployment,
        champion.ref,
        challenger.ref,
        new_version.ref,
        training.ref,
        memory_ref,
        report,
        not report.passed,
        method,
        why,
    )


def _challenger(
    ws: Workspace, champion: ModelVersion, training: str, options: TrainOptions, *, warm: bool
) -> tuple[ModelVersion, Method, str]:
    """The evaluated challenger, how it was made and why that way."""
    why = "asked for a full retrain"
    if warm:
        started = warm_start(ws, champion, training, seed=options.seed, name=options.name)
        if started.model is not None:
            evaluate_model(ws, started.model.ref)
            return started.model, WARM, started.reason
        why = started.reason
    trained = train_and_review(ws, training, options, evaluate=True)
    return trained.result.model, FULL, why


def _new_data(ws: Workspace, champion: ModelVersion, data: str | None) -> DatasetVersion:
    if data is not None:
        return get_version(ws, data)
    trained_on = None if champion.run is None else get_run(ws, champion.run).dataset
    if trained_on is None:
        raise InputError.field("--data", None, "a dataset reference (the champion's is unknown)")
    used = get_version(ws, trained_on)
    newest = list_versions(ws, name=used.name)[-1]
    if newest.version <= used.version:
        raise InputError.field(
            "--data",
            None,
            f"new data: {used.ref} is what {champion.ref} trained on; add a "
            f"new version (`modelward data add … --name {used.name}`) or pass --data",
        )
    return newest


def _previous_memory(ws: Workspace, deployment: str) -> pl.DataFrame | None:
    found = list_versions(ws, name=f"{deployment}-memory")
    return load_frame(ws, found[-1]) if found else None


def _store(ws: Workspace, frame: pl.DataFrame, name: str, project: str) -> DatasetVersion:
    with tempfile.TemporaryDirectory(dir=ws.settings.tmp_dir) as folder:
        path = Path(folder) / f"{name}.parquet"
        frame.write_parquet(path)
        return add_dataset(ws, path, name=name, project=project).version


def _add_facts(ws: Workspace, model: ModelVersion, report: ForgettingReport) -> None:
    try:
        stored = get_evaluation(ws, model.ref)
    except NotFound:
        return
    facts = {**stored.facts, "recent_gain": report.gain, "forgetting_loss": report.loss}
    body = {**stored.report, "retraining": report.to_json()}
    save_evaluation(ws, model, body, facts, evaluation_html(ws, stored))
