"""In-processing: a fairness constraint imposed while fitting (fairlearn's exponentiated gradient).

Exponentiated gradient (Agarwal et al., 2018) refits one model family many times on reweighted,
relabelled rows and returns a randomized classifier: a mix of the models it fitted, which
satisfies demographic parity (or equalized odds) on the training rows up to a small slack.
Here the family is the original model's strongest member (largest weight), and the mitigated
model is the mix's expectation: every model of weight >= `MIN_WEIGHT` becomes a member with its
(renormalized) weight, so the bundle's ordinary weighted blend of probabilities scores it. The
blend averages probabilities where the randomized classifier averages decisions: close, not
identical, and the evaluation judges the blend.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient

from modelward.backends.executor import open_executor
from modelward.errors import InputError
from modelward.evaluation.mitigation.refit import (
    Mitigated,
    Original,
    Rebuilt,
    package,
)
from modelward.spec import Task
from modelward.training import (
    Encoder,
    FinalModel,
    FitData,
    FitOptions,
    FittedModel,
    Member,
    MemberEntry,
    TrialOutcome,
    TrialState,
    fit_encoders,
    get_family,
    group_labels,
)

MAX_ITERATIONS = 15  # exponentiated gradient usually settles in 6 to 10 on tabular data
MIN_WEIGHT = 0.01
CONSTRAINTS = {"dp": "demographic parity", "eo": "equalized odds"}


class FamilyClassifier:
    """A model family as a scikit-learn classifier of 0/1 labels, for fairlearn's reductions.

    `fit(X, y, sample_weight)` fits the family on the encoded rows; `predict` gives labels and
    `predict_proba` probabilities. Parameters are stored untouched (scikit-learn's `clone`).
    """

    def __init__(
        self,
        family: str = "linear",
        params: dict[str, Any] | None = None,
        feature_names: tuple[str, ...] = (),
        categorical: tuple[int, ...] = (),
        rounds: int | None = None,
        seed: int = 0,
        threads: int = 1,
    ) -> None:
        self.family = family
        self.params = params
        self.feature_names = feature_names
        self.categorical = categorical
        self.rounds = rounds
        self.seed = seed
        self.threads = threads

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {
            "family": self.family,
            "params": self.params,
            "feature_names": self.feature_names,
            "categorical": self.categorical,
            "rounds": self.rounds,
            "seed": self.seed,
            "threads": self.threads,
        }

    def set_params(self, **params: Any) -> FamilyClassifier:
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def fit(self, x: Any, y: Any, sample_weight: Any | None = None) -> FamilyClassifier:
        weights = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        data = FitData(
            Task.BINARY,
            np.asarray(x, dtype=np.float64),
            np.asarray(y, dtype=np.int64),
            2,
            self.feature_names,
            self.categorical,
            sample_weight=weights,
        )
        options = FitOptions(seed=self.seed, threads=self.threads, rounds=self.rounds)
        self.model_: FittedModel = get_family(self.family).fit(
            dict(self.params or {}), data, options
        )
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, x: Any) -> np.ndarray:
        return self.model_.predict(np.asarray(x, dtype=np.float64))

    def predict(self, x: Any) -> np.ndarray:
        return (self.predict_proba(x)[:, 1] >= 0.5).astype(np.int64)


@dataclass(frozen=True)
class Mix:
    """Exponentiated gradient's outcome: the models kept, their weights, how it went."""

    models: tuple[FittedModel, ...]
    weights: tuple[float, ...]
    iterations: int
    fits: int
    seconds: float

    def predict(self, x: np.ndarray) -> np.ndarray:
        parts = [w * m.predict(x) for m, w in zip(self.models, self.weights, strict=True)]
        return np.asarray(np.sum(parts, axis=0))


@dataclass(frozen=True)
class MixJob:
    """One exponentiated gradient run: a fold's training rows, or every row."""

    estimator: FamilyClassifier
    x: np.ndarray
    y: np.ndarray
    groups: np.ndarray


def fit_mix(kind: str, job: MixJob) -> Mix:
    """Run exponentiated gradient on encoded rows; keep the models of weight >= MIN_WEIGHT.

    A module-level function of (shared, item), so that an executor's workers can run it.
    """
    moment = DemographicParity() if kind == "dp" else EqualizedOdds()
    search = ExponentiatedGradient(job.estimator, moment, max_iter=MAX_ITERATIONS)
    started = time.perf_counter()
    with warnings.catch_warnings():
        # fairlearn 0.15 grows pandas Series with `.at`, which pandas 3 deprecates.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="fairlearn")
        search.fit(job.x, job.y, sensitive_features=np.asarray(job.groups).astype(str))
    weights = np.asarray(search.weights_, dtype=np.float64)
    kept = [i for i in range(len(weights)) if weights[i] >= MIN_WEIGHT]
    models = tuple(_model(search.predictors_.iloc[i], job) for i in kept)
    total = float(weights[kept].sum())
    return Mix(
        models,
        tuple(float(weights[i]) / total for i in kept),
        int(search.last_iter_) + 1,
        int(search.n_oracle_calls_),
        time.perf_counter() - started,
    )


def constrain(original: Original, rebuilt: Rebuilt, kind: str) -> Mitigated:
    """Exponentiated gradient on every fold (the evidence) and on every row (the model).

    The runs are independent: with more than one worker they run at once on the local executor
    (processes, one thread each, so the result does not depend on the number of workers).
    """
    if kind not in CONSTRAINTS:
        raise InputError.field(
            "--constraint", kind, "dp (demographic parity) or eo (equalized odds)"
        )
    prepared = rebuilt.prepared
    if prepared.target.task is not Task.BINARY:
        raise InputError.field("--method", "constraint", "a binary model (fairlearn reductions)")
    member = max(original.members, key=lambda m: m.weight)
    style = get_family(member.family).style
    encoders, matrices = fit_encoders(prepared, {style}, original.seed)
    matrix = matrices[style]
    jobs = [
        *_fold_jobs(original, rebuilt, member),
        _final_job(original, rebuilt, member, encoders[style], matrix),
    ]
    *fold_mixes, mix = _run(jobs, kind, rebuilt.threads)
    data = prepared.data
    oof = np.full((len(data.y), 2), np.nan)
    for i, (fold, fold_mix) in enumerate(zip(data.folds, fold_mixes, strict=True)):
        oof[fold.valid] = fold_mix.predict(data.styles[style].valid[i])
    members = tuple(
        Member(_outcome(member, model.family), weight, style, model, jobs[-1].estimator.rounds)
        for model, weight in zip(mix.models, mix.weights, strict=True)
    )
    final = FinalModel(members, encoders, {style: matrix})
    details = _details(member, kind, mix, fold_mixes, original.spec.sensitive)
    return package(original, rebuilt, final, oof, details)


def _run(jobs: list[MixJob], kind: str, workers: int) -> list[Mix]:
    if workers == 1:
        return [fit_mix(kind, job) for job in jobs]
    executor = open_executor("local", workers=min(workers, len(jobs)))
    try:
        with executor.session(kind) as session:
            found = session.map(fit_mix, jobs)
    finally:
        executor.close()
    return [mix for mix in found if mix is not None]


def _fold_jobs(original: Original, rebuilt: Rebuilt, member: MemberEntry) -> list[MixJob]:
    data = rebuilt.prepared.data
    matrices = data.styles[get_family(member.family).style]
    return [
        MixJob(
            _estimator(member, matrices.feature_names[i], matrices.categorical[i], original.seed),
            matrices.train[i],
            data.y[fold.train],
            rebuilt.groups[fold.train],
        )
        for i, fold in enumerate(data.folds)
    ]


def _final_job(
    original: Original,
    rebuilt: Rebuilt,
    member: MemberEntry,
    encoder: Encoder,
    matrix: np.ndarray,
) -> MixJob:
    prepared = rebuilt.prepared
    groups = group_labels(prepared.frame, original.spec.sensitive)
    estimator = _estimator(member, encoder.feature_names, encoder.categorical, original.seed)
    return MixJob(estimator, matrix, prepared.y, groups)


def _estimator(
    member: MemberEntry,
    names: tuple[str, ...],
    categorical: tuple[int, ...],
    seed: int,
) -> FamilyClassifier:
    rounds = member.rounds if get_family(member.family).boosted else None
    return FamilyClassifier(member.family, dict(member.params), names, categorical, rounds, seed)


def _model(predictor: Any, job: MixJob) -> FittedModel:
    """A fitted family model; fairlearn's constant predictor (all rows one label) as a prior."""
    if isinstance(predictor, FamilyClassifier):
        return predictor.model_
    estimator = job.estimator
    label = int(np.asarray(predictor.predict(job.x[:1]))[0])
    constant = np.full(len(job.x), label, dtype=np.int64)
    data = FitData(Task.BINARY, job.x, constant, 2, estimator.feature_names, estimator.categorical)
    return get_family("prior").fit({}, data, FitOptions(seed=estimator.seed))


def _outcome(member: MemberEntry, family: str) -> TrialOutcome:
    params = member.params if family == member.family else {}
    number = 0 if member.trial is None else member.trial
    return TrialOutcome(number, family, dict(params), TrialState.COMPLETE, None, (), (), 0.0)


def _details(
    member: MemberEntry, kind: str, mix: Mix, folds: Sequence[Mix], sensitive: Sequence[str]
) -> dict[str, Any]:
    name = CONSTRAINTS[kind]
    return {
        "constraint": kind,
        "family": member.family,
        "members": len(mix.models),
        "iterations": mix.iterations,
        "fits": mix.fits + sum(m.fits for m in folds),
        "fit_seconds": round(mix.seconds + sum(m.seconds for m in folds), 2),
        "sentence": (
            f"{member.family} refitted under the {name} constraint across "
            f"{' & '.join(sensitive)} (exponentiated gradient, {mix.iterations} iterations): "
            f"a blend of {len(mix.models)} models; the sensitive attributes are used in "
            "training only, not at decision time"
        ),
    }
