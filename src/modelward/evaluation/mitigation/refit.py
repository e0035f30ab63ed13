"""What every mitigation shares: the original version, its rebuilt training problem, and the
cross-validation and refit of members with sample weights.

The problem is rebuilt exactly as training built it (same spec fields, same seed, hence the same
folds and fold encodings), so a mitigated model's out-of-fold evidence is comparable row for row
with the original's. A spec changed since training would change the features: that is refused
rather than compared.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelward.datasets import get_version, load_frame
from modelward.errors import Conflict, InputError
from modelward.registry import Bundle, ModelVersion, get_model, load_bundle
from modelward.spec import ProjectSpec, get_project
from modelward.tracking import get_run
from modelward.training import (
    Blend,
    Evidence,
    FinalModel,
    FitOptions,
    MemberEntry,
    Metric,
    Prepared,
    SearchData,
    TabularManifest,
    TrainOptions,
    TrialOutcome,
    TrialState,
    build_bundle,
    export_members,
    fitted_predictions,
    fold_fit_data,
    fold_of_rows,
    get_family,
    get_metric,
    group_labels,
    load_evidence,
    prepare_problem,
    refit_final,
    training_problem,
)
from modelward.workspace import Workspace


@dataclass(frozen=True)
class Original:
    """The version to mitigate and what it was trained under."""

    model: ModelVersion
    bundle: Bundle
    spec: ProjectSpec
    evidence: Evidence
    dataset: str
    seed: int

    @property
    def manifest(self) -> TabularManifest:
        return TabularManifest.from_json(self.bundle.manifest)

    @property
    def members(self) -> tuple[MemberEntry, ...]:
        return self.manifest.members


@dataclass(frozen=True)
class Rebuilt:
    """The training problem as training prepared it, and each search row's sensitive group."""

    prepared: Prepared
    metric: Metric
    groups: np.ndarray  # the intersection of the sensitive attributes, per search row
    threads: int


@dataclass(frozen=True)
class Mitigated:
    """A mitigation's new model: manifest and files to register, its evidence, what it did."""

    manifest: TabularManifest
    files: dict[str, bytes]
    evidence: Evidence
    score: float
    details: dict[str, Any]
    notes: tuple[str, ...] = ()


def load_original(ws: Workspace, ref: str) -> Original:
    """The version, its verified bundle, spec, evidence and training run; InputError when the
    spec names no sensitive attribute or the version was not trained by a tracked run."""
    model = get_model(ws, ref)
    spec = get_project(ws, model.project).spec
    if not spec.sensitive:
        raise InputError.field(
            f"project {model.project!r} spec `sensitive`",
            "none",
            "the sensitive attribute columns to mitigate for, e.g. `sensitive: [female]` in "
            "modelward.yaml (then `modelward project update`)",
        )
    run = get_run(ws, model.run) if model.run is not None else None
    if run is None or run.dataset is None:
        raise InputError.field(
            "MODEL", model.ref, "a version trained by `modelward train` (its run names its data)"
        )
    return Original(
        model=model,
        bundle=load_bundle(ws, model),
        spec=spec,
        evidence=load_evidence(ws, model),
        dataset=run.dataset,
        seed=int(run.params.get("seed", "0")),
    )


def rebuild(ws: Workspace, original: Original, *, workers: int | None = None) -> Rebuilt:
    """The training problem of `original`, rebuilt from its dataset version and the spec.

    Raises Conflict when the features differ from the version's (the spec changed since).
    """
    options = TrainOptions(seed=original.seed, workers=workers)
    frame = load_frame(ws, get_version(ws, original.dataset))
    prepared = prepare_problem(frame, training_problem(original.spec, options))
    if prepared.plan.to_json() != original.manifest.plan:
        raise Conflict(
            f"{original.model.ref}: the features rebuilt from the project spec differ from those "
            "it was trained on (the spec changed since); retrain, then mitigate the new version"
        )
    metric = get_metric(original.model.metric, prepared.target.task)
    data = dataclasses.replace(prepared.data, metric=metric.name)
    prepared = dataclasses.replace(prepared, data=data)
    groups = group_labels(prepared.frame[prepared.search_rows], original.spec.sensitive)
    return Rebuilt(prepared, metric, groups, options.effective_workers)


def cross_validate(
    data: SearchData,
    member: MemberEntry,
    fold_weights: Sequence[np.ndarray | None],
    *,
    threads: int = 1,
) -> TrialOutcome:
    """`member` fitted on every fold as its trial was (boosted ones stop early on the fold's
    stop rows), each with its fold's sample weights (one per `fold.train` row, or None)."""
    family = get_family(member.family)
    matrices = data.styles[family.style]
    shape = (len(data.y), data.n_classes) if data.n_classes else (len(data.y),)
    oof = np.full(shape, np.nan)
    rounds: list[int] = []
    for i, fold in enumerate(data.folds):
        fit = fold_fit_data(data, fold, matrices, i, boosted=family.boosted)
        weights = fold_weights[i]
        if weights is not None:
            used = np.searchsorted(fold.train, fold.fit) if family.boosted else slice(None)
            fit = dataclasses.replace(fit, sample_weight=weights[used])
        model = family.fit(dict(member.params), fit, FitOptions(seed=data.seed, threads=threads))
        oof[fold.valid] = model.predict(matrices.valid[i])
        if model.rounds is not None:
            rounds.append(model.rounds)
    return TrialOutcome(
        number=0 if member.trial is None else member.trial,
        family=member.family,
        params=dict(member.params),
        state=TrialState.COMPLETE,
        score=None,
        fold_scores=(),
        rounds=tuple(rounds),
        fit_seconds=0.0,
        oof=oof,
    )


def refit_weighted(
    prepared: Prepared,
    outcomes: Sequence[TrialOutcome],
    weights: Sequence[float],
    sample_weight: np.ndarray | None,
    *,
    seed: int,
    threads: int,
) -> FinalModel:
    """Each cross-validated member refitted on every row with `sample_weight` (one per row of
    `prepared.frame`); boosted ones for their folds' mean rounds, scaled as training scales."""
    blend = Blend(tuple(outcomes), tuple(weights), math.nan)
    return refit_final(
        prepared, blend, seed=seed, threads=threads, deadline=None, sample_weight=sample_weight
    )


def package(
    original: Original,
    rebuilt: Rebuilt,
    final: FinalModel,
    oof: np.ndarray,
    details: dict[str, Any],
) -> Mitigated:
    """Export the refitted members, build the bundle and the out-of-fold evidence."""
    prepared, metric = rebuilt.prepared, rebuilt.metric
    rows = prepared.search_rows
    scored = ~np.isnan(oof if oof.ndim == 1 else oof.sum(axis=1))
    score = metric.score(prepared.data.y[scored], oof[scored], prepared.target.n_classes)
    members, files, notes = export_members(final, seed=original.seed)
    manifest = build_bundle(prepared, final, members, metric, score)
    evidence = Evidence(
        target=prepared.target,
        frame=prepared.frame[rows],
        y=prepared.data.y,
        oof=oof,
        fitted=fitted_predictions(final, rows),
        baselines=_baselines(original.evidence, prepared.data.y),
        folds=fold_of_rows(len(rows), [fold.valid for fold in prepared.data.folds]),
    )
    return Mitigated(manifest, files, evidence, score, details, (*prepared.notes, *notes))


def blend_oof(outcomes: Sequence[TrialOutcome], weights: Sequence[float]) -> np.ndarray:
    """The weighted blend of the members' out-of-fold predictions."""
    parts = [w * np.asarray(o.oof) for o, w in zip(outcomes, weights, strict=True)]
    return np.asarray(np.sum(parts, axis=0))


def _baselines(evidence: Evidence, y: np.ndarray) -> dict[str, np.ndarray]:
    """The original's baselines: the same simple models on the same rows and folds."""
    if not np.array_equal(evidence.y, y):
        return {}
    return dict(evidence.baselines)
