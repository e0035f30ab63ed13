"""Warm starts: a challenger that keeps the champion's trees and boosts on over new rows.

Only a champion whose members are all LightGBM can continue (`warm_refusal` says why another
cannot). Its encoders, plan and schema are reused unchanged: the trees' splits refer to the
champion's encoding. The evidence is out-of-fold as training's is: on the folds training would
cut, each fold continues from the champion and predicts its own rows (baselines alike); the
final boosters continue on every row for the folds' mean added rounds, scaled as a refit does.
Rows the champion trained on (rehearsal) were seen by its trees, so their out-of-fold scores
flatter the challenger: the forgetting guard, on rows nobody trained on, is the fair judge.
The continued boosters run natively, as LightGBM members do anyway; no ONNX copy is made.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from modelward.datasets import DatasetVersion, get_version, load_frame
from modelward.errors import InputError
from modelward.registry import ModelVersion, load_bundle
from modelward.retraining.continued import (
    Grown,
    Member,
    Rows,
    grow,
    load_member,
)
from modelward.spec import ProjectSpec, get_project
from modelward.tracking import ActiveRun, start_run
from modelward.training import (
    BUNDLE_FORMAT,
    Artifact,
    Built,
    Encoder,
    FittedModel,
    InputSchema,
    MemberEntry,
    NativeFile,
    Style,
    TabularManifest,
    Target,
    all_families,
    get_family,
    get_metric,
    register_built,
)
from modelward.workspace import Workspace

ROUNDS = 200  # the most rounds a warm start adds; early stopping on each fold picks fewer
NOTES = (
    "the champion's encoders and feature plan are reused unchanged",
    "continued LightGBM boosters are scored natively (no ONNX copy exported)",
    "out-of-fold predictions of rows the champion trained on (rehearsal) flatter the "
    "challenger; the forgetting guard's held-out rows are the fair comparison",
)
DECISION_NOTE = (
    "the champion's per-group decision thresholds were chosen for its own probabilities and "
    "are not carried over; mitigate again if they are needed"
)


@dataclass(frozen=True)
class WarmStart:
    """What a warm start did: the challenger, or None and why the champion cannot continue."""

    model: ModelVersion | None
    reason: str
    rounds_added: tuple[int, ...] = ()
    run: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "model": None if self.model is None else self.model.ref,
            "reason": self.reason,
            "rounds_added": list(self.rounds_added),
            "run": self.run,
        }


def warm_refusal(stored: Mapping[str, Any]) -> str | None:
    """Why a bundle's members cannot continue from where they stopped; None when all can.

    It reads the stored JSON itself: a guard, it must answer for any manifest, even one that
    is not a tabular bundle's or lacks what a typed record needs.
    """
    members = stored.get("members")
    if stored.get("format") != BUNDLE_FORMAT or not isinstance(members, list) or not members:
        return "the champion's bundle lists no members to continue"
    others = sorted(
        {
            str(m.get("family"))
            for m in members
            if not _can_continue(m.get("family")) or m.get("style") != Style.TREE.value
        }
    )
    if others:
        return (
            f"{', '.join(others)} cannot continue from a fitted model (only "
            f"{_continuing()} can): a full retrain instead"
        )
    if Style.TREE.value not in stored.get("encoders", {}):
        return "the champion's bundle has no tree encoder to encode new rows with"
    return None


def warm_start(
    ws: Workspace,
    champion: ModelVersion,
    training_ref: str,
    *,
    rounds: int = ROUNDS,
    seed: int = 0,
    name: str | None = None,
) -> WarmStart:
    """Continue boosting `champion` on the rows of `training_ref`; register the result.

    The new version is a candidate with out-of-fold evidence, ready to evaluate; its run (named
    `name`) records the compute. When the champion cannot continue (a family other than
    LightGBM, or rows that do not fit its inputs) nothing is written and `model` is None, with
    the reason. InputError for `rounds` < 1 or data without the champion's target.
    """
    if rounds < 1:
        raise InputError.field("rounds", rounds, "the most rounds to add, an integer >= 1")
    bundle = load_bundle(ws, champion)
    refusal = warm_refusal(bundle.manifest)
    if refusal is not None:
        return WarmStart(None, refusal)
    manifest = TabularManifest.from_json(bundle.manifest)
    version = get_version(ws, training_ref)
    rows = _rows(manifest, load_frame(ws, version), version.ref)
    if isinstance(rows, str):
        return WarmStart(None, rows)
    members = tuple(load_member(entry, bundle.files) for entry in manifest.members)
    spec = get_project(ws, champion.project).spec
    run = start_run(
        ws, name=name or "warm-start", project=champion.project, dataset=version.ref, seed=seed
    )
    with run:
        started = time.process_time(), time.monotonic()
        target = Target.from_json(manifest.target)
        metric = get_metric(champion.metric, target.task)
        grown = grow(members, rows, target, spec, metric, rounds, seed)
        model = _register(ws, run, champion, manifest, members, grown)
        _log(run, champion, version, grown, rounds, seed, spec, started)
    payload = {"from": champion.ref, "rounds_added": list(grown.added), "run": run.uid}
    with ws.transaction() as conn:  # run.uid is read above: reading it may write the run
        ws.record(conn, "model.warm_started", f"model/{model.ref}", payload)
    reason = (
        f"continued {champion.ref}'s boosting: {_rounds_text(grown.added)} more round(s) on "
        f"{len(rows.y)} rows"
    )
    return WarmStart(model, reason, grown.added, run.uid)


def _can_continue(family: object) -> bool:
    """Whether `family` registers a warm-start hook (`Family.continue_fit`)."""
    if not isinstance(family, str):
        return False
    try:
        return get_family(family).continue_fit is not None
    except InputError:  # a family this installation does not have
        return False


def _continuing() -> str:
    """The families that can continue, as the refusal names them."""
    names = [f.name for f in all_families() if f.continue_fit is not None and f.style is Style.TREE]
    return "LightGBM boosting" if names == ["lightgbm"] else ", ".join(names) or "no family"


def _rows(manifest: TabularManifest, frame: pl.DataFrame, ref: str) -> Rows | str:
    """The labelled rows, encoded as the champion encodes; a reason when they do not fit it."""
    target = Target.from_json(manifest.target)
    if target.column not in frame.columns:
        raise InputError.field("data", ref, f"data with the target {target.column!r}")
    present = frame[target.column].is_not_null()
    if frame[target.column].dtype.is_float():
        present &= frame[target.column].is_not_nan()
    labelled = frame.filter(present)
    try:
        conformed = InputSchema.from_json(manifest.input_schema).conform(
            labelled, ignore_extra=True
        )
        y = target.encode(labelled[target.column])
    except InputError as exc:
        return f"{ref} does not fit the champion's inputs ({exc.message}): a full retrain instead"
    encoder = Encoder.from_json(manifest.encoders[Style.TREE.value])
    return Rows(labelled, encoder, encoder.transform(conformed), y)


def _register(
    ws: Workspace,
    run: ActiveRun,
    champion: ModelVersion,
    manifest: TabularManifest,
    members: Sequence[Member],
    grown: Grown,
) -> ModelVersion:
    """The champion's manifest with the continued boosters in place of its own, signed."""
    entries: list[MemberEntry] = []
    files: dict[str, bytes] = {}
    for i, (member, model, added) in enumerate(
        zip(members, grown.models, grown.added, strict=True)
    ):
        native = model.export()
        files[f"m{i}-{native.filename}"] = native.data
        grown_from = {"from": champion.ref, "rounds_added": added}
        entries.append(_entry(member.entry, f"m{i}-{native.filename}", model, native, grown_from))
    # The decision rule was chosen for the champion's probabilities: it is not carried over.
    new = replace(
        manifest.unregistered(), members=tuple(entries), cv_score=grown.score, decision=None
    )
    built = Built(
        task=champion.task,
        metric=champion.metric,
        score=grown.score,
        manifest=new.to_json(),
        files=files,
        evidence=grown.evidence,
        members=tuple(e.summary_line() for e in entries),
        trials=0,
        ensemble=len(entries) > 1,
        notes=(*NOTES, *([DECISION_NOTE] if manifest.decision is not None else ())),
        sections={"warm_start_from": champion.ref, "rounds_added": list(grown.added)},
    )
    return register_built(ws, project=champion.project, run_uid=run.uid, built=built)


def _entry(
    entry: MemberEntry,
    file: str,
    model: FittedModel,
    native: Artifact,
    grown_from: Mapping[str, Any],
) -> MemberEntry:
    return replace(
        entry,
        rounds=model.rounds,
        native=NativeFile(native.format, file, tuple(native.trusted)),
        onnx=None,
        runtime=native.format,
        extra={**entry.extra, "warm_start": dict(grown_from)},
    )


def _log(
    run: ActiveRun,
    champion: ModelVersion,
    version: DatasetVersion,
    grown: Grown,
    rounds: int,
    seed: int,
    spec: ProjectSpec,
    started: tuple[float, float],
) -> None:
    """The run's setup and outcome, with its compute and cost as training logs them."""
    run.log_params(
        {
            "warm_start_from": champion.ref,
            "rounds": rounds,
            "seed": seed,
            "rows": grown.evidence.n_rows,
            "folds": grown.folds,
            "dataset_sha256": version.content_hash,
        }
    )
    cpu = time.process_time() - started[0]
    run.log_metrics(
        {
            "cv_score": grown.score,
            "rounds_added": float(sum(grown.added)),
            "compute_cpu_seconds": cpu,
            "cost": cpu / 3600.0 * spec.prices.cpu_hour,
            "wall_seconds": time.monotonic() - started[1],
        }
    )


def _rounds_text(added: Sequence[int]) -> str:
    return " + ".join(str(n) for n in added)
