"""The final model: the chosen trials refitted on every training row, then exported.

Boosted families refit with a fixed number of rounds (the folds' early-stopping point, scaled
for the larger training set), so the refit needs no held-out rows and no guess.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from modelward.training.encode import Encoder
from modelward.training.ensemble import Blend
from modelward.training.families import (
    Artifact,
    FitData,
    FitOptions,
    FittedModel,
    get_family,
    onnx_agreement,
)
from modelward.training.kinds import Style
from modelward.training.prepare import Prepared
from modelward.training.trial import TrialOutcome

ROUNDS_SCALE = 1.1  # all rows vs a fold's fit rows: a few more rounds
ONNX_TOLERANCE = 1e-5
AGREEMENT_ROWS = 2_000
NATIVE_FASTER = frozenset({"lightgbm", "xgboost", "catboost"})


@dataclass(frozen=True)
class Member:
    trial: TrialOutcome
    weight: float
    style: Style
    model: FittedModel
    rounds: int | None


@dataclass(frozen=True)
class FinalModel:
    members: tuple[Member, ...]
    encoders: dict[Style, Encoder]
    matrices: dict[Style, np.ndarray]  # the encoded training rows, for checks after the fit


def refit_final(
    prepared: Prepared,
    blend: Blend,
    *,
    seed: int,
    threads: int,
    deadline: float | None,
    sample_weight: np.ndarray | None = None,
) -> FinalModel:
    """The blend's members fitted on every training row (`sample_weight`: one per row)."""
    styles = {get_family(m.family).style for m in blend.members}
    encoders, matrices = fit_encoders(prepared, styles, seed)
    fit = FitOptions(seed=seed, threads=threads, deadline=deadline)
    members = tuple(
        _fit_member(prepared, trial, weight, encoders, matrices, fit, sample_weight)
        for trial, weight in zip(blend.members, blend.weights, strict=True)
    )
    return FinalModel(members, encoders, matrices)


def fit_encoders(
    prepared: Prepared, styles: set[Style], seed: int
) -> tuple[dict[Style, Encoder], dict[Style, np.ndarray]]:
    """One encoder per style fitted on every training row, and the rows it encoded."""
    encoders: dict[Style, Encoder] = {}
    matrices: dict[Style, np.ndarray] = {}
    for style in sorted(styles):
        encoders[style], matrices[style] = Encoder.fit(
            prepared.plan,
            prepared.frame,
            style=style,
            task=prepared.target.task,
            y=prepared.y,
            seed=seed,
        )
    return encoders, matrices


def _fit_member(
    prepared: Prepared,
    trial: TrialOutcome,
    weight: float,
    encoders: dict[Style, Encoder],
    matrices: dict[Style, np.ndarray],
    fit: FitOptions,
    sample_weight: np.ndarray | None,
) -> Member:
    family = get_family(trial.family)
    encoder = encoders[family.style]
    data = FitData(
        prepared.target.task,
        matrices[family.style],
        prepared.y,
        prepared.target.n_classes,
        encoder.feature_names,
        encoder.categorical,
        sample_weight=sample_weight,
    )
    rounds = None
    if family.boosted and trial.mean_rounds is not None:
        rounds = max(1, math.ceil(trial.mean_rounds * ROUNDS_SCALE))
    model = family.fit(trial.params, data, dataclasses.replace(fit, rounds=rounds))
    return Member(trial, weight, family.style, model, rounds)


def fitted_predictions(final: FinalModel, rows: np.ndarray) -> np.ndarray:
    """The final model's (blended) predictions on some of its own training rows."""
    parts = [m.weight * m.model.predict(final.matrices[m.style][rows]) for m in final.members]
    return np.asarray(np.sum(parts, axis=0))


def export_members(
    final: FinalModel, *, seed: int
) -> tuple[list[dict[str, Any]], dict[str, bytes], list[str]]:
    """Each member's native artifact, plus ONNX where it agrees with the native model."""
    manifest: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    notes: list[str] = []
    for i, member in enumerate(final.members):
        native = member.model.export()
        native_name = f"m{i}-{native.filename}"
        files[native_name] = native.data
        entry: dict[str, Any] = {
            "family": member.trial.family,
            "style": member.style.value,
            "weight": member.weight,
            "params": member.trial.params,
            "rounds": member.rounds,
            "trial": member.trial.number,
            "native": {
                "format": native.format,
                "file": native_name,
                "trusted": list(native.trusted),
            },
            "onnx": None,
        }
        sample = _sample(final.matrices[member.style], seed)
        onnx = _checked_onnx(member, sample, notes)
        entry["runtime"] = native.format
        if onnx is not None:
            artifact, diff = onnx
            files[f"m{i}-{artifact.filename}"] = artifact.data
            entry["onnx"] = {"file": f"m{i}-{artifact.filename}", "max_abs_diff": diff}
            entry["runtime"] = _runtime(native.format)
        manifest.append(entry)
    return manifest, files, notes


def _checked_onnx(
    member: Member, sample: np.ndarray, notes: list[str]
) -> tuple[Artifact, float] | None:
    artifact = member.model.export_onnx()
    if artifact is None:
        notes.append(f"{member.trial.family}: no ONNX export for this family; kept native only")
        return None
    diff = onnx_agreement(member.model, artifact, sample)
    # Probabilities are compared absolutely; regression values relative to their size, since
    # ONNX tree ensembles sum in float32 (a price of 200,000 cannot agree to 1e-5 in float32).
    native = member.model.predict(sample)
    scale = 1.0 if native.ndim == 2 else max(1.0, float(np.abs(native).max()))
    if not diff <= ONNX_TOLERANCE * scale:
        notes.append(
            f"{member.trial.family}: ONNX differs from native by {diff:.2e} (> {ONNX_TOLERANCE}); "
            "scoring uses the native model"
        )
        return None
    return artifact, diff


def _runtime(native_format: str) -> str:
    """Which verified runtime scores: a fixed choice, so the same model always scores alike.

    The boosting libraries' own predictors are multi-threaded and faster than ONNX Runtime's
    tree ensembles (measured on 1M rows); the scikit-learn models run faster as ONNX.
    """
    return "native" if native_format in NATIVE_FASTER else "onnx"


def _sample(matrix: np.ndarray, seed: int) -> np.ndarray:
    if len(matrix) <= AGREEMENT_ROWS:
        return matrix
    rows = np.random.default_rng(seed).choice(len(matrix), size=AGREEMENT_ROWS, replace=False)
    return matrix[np.sort(rows)]
