"""Explanations: how much each input column moved a prediction, for a row and overall.

A row a person asks about (`explain_local`, `modelward explain`) is explained by the SHAP
values of the model's probability itself (see `shapley`). The evaluation's overview of
a thousand rows uses each member's exact SHAP values instead, which is fast, and maps them
to probability as described next; its methods say so.

Contributions are SHAP values of the whole model in its output's own terms: the probability
of the positive class (binary), of each class (multiclass), or the predicted value
(regression). Each ensemble member is explained exactly where its family allows (see
`contributions`), always on its native artifact (an ONNX graph has no tree structure to
read), and its encoded columns are summed back into the raw column they came from: a one-hot
`contract=Two year` column counts for `contract`. Additivity makes that sum exact, so for
every row `base + sum(contributions) == prediction` (the native members' prediction, which
ONNX scoring matches to 1e-5).

Approximation: members explain in their margin space (log-odds, softmax scores);
`outcome_space` rescales each member's contributions so they add up to its change in
probability, keeping each feature's share of the margin change, and the members are then
averaged with the ensemble's weights. That is exact for regression and for members that
output probabilities directly, and an approximation of the probability's own SHAP values
for log-odds members (the sum stays exact). Tree members measure against their training
rows; linear members against `background` rows (a sample of training rows, ideally).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.evaluation.contributions import member_contributions, own_base
from modelward.evaluation.drivers import driver_sentence, outcome_phrase
from modelward.evaluation.margins import outcome_space
from modelward.evaluation.numbers import json_sig
from modelward.evaluation.shapley import probability_shap
from modelward.registry import Bundle
from modelward.spec import Task
from modelward.training import (
    Artifact,
    Encoder,
    Link,
    LoadedMember,
    MemberContributions,
    MemberEntry,
    Predictor,
    TabularManifest,
    Target,
    get_family,
)

APPROXIMATE = (
    "in probability, approximately: members explained in log-odds, each feature keeping its "
    "share of the change once mapped to probability (sums exact); the base is the members' "
    "mean log-odds as a probability, below the mean prediction; `modelward explain` gives "
    "each row's SHAP values of the probability itself"
)
REFERENCE_ROWS = 500  # background rows kept: a linear member only needs their mean
MIN_REFERENCE_ROWS = 20  # fewer make a poor mean to measure linear members against
TOP_FEATURES = 3  # features given dependence data and a driver sentence
DEPENDENCE_POINTS = 300

Raw = str | int | float | bool | None


@dataclass(frozen=True)
class Contribution:
    feature: str
    value: Raw  # the row's raw value of the feature
    contribution: float

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "value": self.value,
            "contribution": json_sig(self.contribution, 6),
        }


@dataclass(frozen=True)
class RowExplanation:
    """One row: `base + sum(contributions) == prediction`, largest |contribution| first."""

    output: str  # the class explained, or the target column for regression
    base: float
    prediction: float
    contributions: tuple[Contribution, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "base": json_sig(self.base, 6),
            "prediction": json_sig(self.prediction, 6),
            "contributions": [c.to_json() for c in self.contributions],
        }


@dataclass(frozen=True, eq=False)
class LocalExplanations:
    """Contributions `values` (n, R, C) per row, raw feature and output; `base` (n, C).

    C is 1, except for multiclass (one output per class); `outputs` names the C outputs: the
    positive class, each class, or the target column. `rows` holds the raw values explained.
    """

    target: Target
    outputs: tuple[str, ...]
    features: tuple[str, ...]
    rows: pl.DataFrame = field(repr=False)
    values: np.ndarray = field(repr=False)
    base: np.ndarray = field(repr=False)
    methods: tuple[str, ...]
    base_is_mean: bool = False  # the base is the model's mean prediction over training rows

    @property
    def prediction(self) -> np.ndarray:
        """(n, C): the model's output on each row, base plus every contribution."""
        out: np.ndarray = self.base + self.values.sum(axis=1)
        return out

    def row(self, i: int, *, output: int | None = None) -> RowExplanation:
        """Row `i`, for output `output` (default: the predicted class for multiclass)."""
        k = int(np.argmax(self.prediction[i])) if output is None else output
        raw = self.rows.row(i)
        parts = [
            Contribution(name, _raw(raw[j]), float(self.values[i, j, k]))
            for j, name in enumerate(self.features)
        ]
        parts.sort(key=lambda c: -abs(c.contribution))
        prediction = float(self.prediction[i, k])
        return RowExplanation(self.outputs[k], float(self.base[i, k]), prediction, tuple(parts))

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.target.task.value,
            "outputs": list(self.outputs),
            "methods": list(self.methods),
            "base_is_mean": self.base_is_mean,
            "rows": [self.row(i).to_json() for i in range(self.rows.height)],
        }


@dataclass(frozen=True)
class FeatureImportance:
    feature: str
    mean_abs: float  # mean |contribution| over the rows (and classes)
    share: float  # of the total over all features


@dataclass(frozen=True)
class Dependence:
    """How one feature's contribution follows its value: (raw value, contribution) pairs."""

    feature: str
    output: str
    points: tuple[tuple[Raw, float], ...]

    def to_json(self) -> dict[str, Any]:
        points = [[value, json_sig(c, 6)] for value, c in self.points]
        return {"feature": self.feature, "output": self.output, "points": points}


@dataclass(frozen=True)
class GlobalExplanation:
    """Which features move the model's predictions most, how, and in plain sentences."""

    rows: int
    outcome: str  # what the contributions move, in words: "the chance of churn"
    importance: tuple[FeatureImportance, ...]  # most important first
    dependence: tuple[Dependence, ...]
    drivers: tuple[str, ...]
    methods: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "outcome": self.outcome,
            "importance": [
                {
                    "feature": f.feature,
                    "mean_abs": json_sig(f.mean_abs, 6),
                    "share": json_sig(f.share, 6),
                }
                for f in self.importance
            ],
            "dependence": [d.to_json() for d in self.dependence],
            "drivers": list(self.drivers),
            "methods": list(self.methods),
        }


def native_predictor(bundle: Bundle) -> Predictor:
    """The bundle's model with every member loaded from its native artifact, never ONNX.

    Build it once to explain many frames; `explain_rows` also accepts the bundle itself.
    """
    predictor = Predictor.from_bundle(bundle)
    manifest = TabularManifest.from_json(bundle.manifest)
    members = tuple(_native_member(entry, bundle.files) for entry in manifest.members)
    return replace(predictor, members=members)


def explain_rows(
    model: Bundle | Predictor, frame: pl.DataFrame, *, background: pl.DataFrame | None = None
) -> LocalExplanations:
    """Each row of `frame` (raw columns, as scored) explained by the verified `model`.

    `background`: rows that linear members measure against (a sample of training rows); by
    default `frame` itself, which must then have at least 20 rows if a member needs them.
    """
    predictor = _native(model)
    rows = _conform(predictor, frame, "frame")
    reference = rows if background is None else _conform(predictor, background, "background")
    return _blend(predictor, rows, _reference(predictor, reference))


def explain_local(
    model: Bundle | Predictor, frame: pl.DataFrame, *, background: pl.DataFrame
) -> LocalExplanations:
    """Each row of `frame` explained in the model's own output space (see `shapley`): the
    base is the mean prediction over `background` (training rows), and base plus the
    contributions is the row's prediction."""
    predictor = _native(model)
    rows = _conform(predictor, frame, "frame")
    reference = _conform(predictor, background, "background")
    found = probability_shap(predictor, rows, reference)
    base = np.tile(found.base, (rows.height, 1))
    features = tuple(c.name for c in predictor.schema.columns)
    target = predictor.target
    return LocalExplanations(
        target, _outputs(target), features, rows, found.values, base, (found.method,), True
    )


def global_explanation(
    model: Bundle | Predictor,
    frame: pl.DataFrame,
    *,
    rows: int = 1000,
    seed: int = 0,
    background: pl.DataFrame | None = None,
) -> GlobalExplanation:
    """Feature importance, dependence data and driver sentences over `rows` rows of `frame`."""
    if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
        raise InputError.field("rows", rows, "an integer >= 1")
    sample = frame if frame.height <= rows else frame.sample(n=rows, seed=seed)
    return summarize(explain_rows(model, sample, background=background), seed=seed)


def summarize(local: LocalExplanations, *, seed: int = 0) -> GlobalExplanation:
    """The global view of local explanations: mean |contribution|, dependence, drivers."""
    strength = np.abs(local.values).mean(axis=(0, 2))  # (R,)
    total = float(strength.sum())
    order = [int(j) for j in np.argsort(-strength, kind="stable")]
    importance = tuple(
        FeatureImportance(local.features[j], float(strength[j]), _share(strength[j], total))
        for j in order
    )
    top = order[:TOP_FEATURES]
    dependence = tuple(_dependence(local, j, seed) for j in top)
    drivers = [_driver(local, j, rank) for rank, j in enumerate(top)]
    if len(order) > len(top) and total > 0:
        carried = sum(strength[j] for j in top) / total
        drivers.append(f"together the top {len(top)} features carry {carried:.0%} of the effect")
    outcome = outcome_phrase(local.target, None)
    return GlobalExplanation(
        local.rows.height, outcome, importance, dependence, tuple(drivers), local.methods
    )


def _native_member(entry: MemberEntry, files: dict[str, bytes]) -> LoadedMember:
    native = entry.native
    artifact = Artifact(native.format, native.file, files[native.file], native.trusted)
    model = get_family(entry.family).load(artifact)
    return LoadedMember(entry.style, entry.weight, model, native.format)


def _native(model: Bundle | Predictor) -> Predictor:
    if isinstance(model, Bundle):
        return native_predictor(model)
    if "onnx" in model.runtimes:
        raise InputError.field(
            "model", "a predictor scoring with ONNX", "the bundle, or native_predictor(bundle)"
        )
    return model


def _conform(predictor: Predictor, frame: pl.DataFrame, name: str) -> pl.DataFrame:
    if frame.height == 0:
        raise InputError.field(name, "0 rows", "at least one row to explain")
    return predictor.schema.conform(frame, ignore_extra=True)


def _reference(predictor: Predictor, rows: pl.DataFrame) -> pl.DataFrame:
    needed = any(not own_base(m.model.family) for m in predictor.members)
    if needed and rows.height < MIN_REFERENCE_ROWS:
        raise InputError.field(
            "background", f"{rows.height} rows", f"at least {MIN_REFERENCE_ROWS} training rows"
        )
    return rows if rows.height <= REFERENCE_ROWS else rows.sample(n=REFERENCE_ROWS, seed=0)


def _blend(predictor: Predictor, rows: pl.DataFrame, reference: pl.DataFrame) -> LocalExplanations:
    """Every member's contributions in outcome space, per raw feature, weighted and summed."""
    target = predictor.target
    features = tuple(c.name for c in predictor.schema.columns)
    values: np.ndarray | float = 0.0
    base: np.ndarray | float = 0.0
    methods: list[str] = []
    explained_members: list[MemberContributions] = []
    for member in predictor.members:
        encoder = predictor.encoders[member.style]
        x, background = encoder.transform(rows), encoder.transform(reference)
        explained = member_contributions(member.model, x, background)
        explained_members.append(explained)
        member_values, member_base = outcome_space(explained, target.task, target.n_classes)
        to_raw = _feature_map(encoder, features)
        values = values + member.weight * np.einsum("nfc,fr->nrc", member_values, to_raw)
        base = base + member.weight * member_base
        methods.append(f"{member.model.family} (weight {member.weight:.2f}): {explained.method}")
    if any(m.link is not Link.IDENTITY for m in explained_members):
        methods.append(APPROXIMATE)
    outputs = _outputs(target)
    return LocalExplanations(
        target, outputs, features, rows, np.asarray(values), np.asarray(base), tuple(methods)
    )


def _feature_map(encoder: Encoder, features: tuple[str, ...]) -> np.ndarray:
    """(encoded columns, raw features): 1 where an encoded column came from a raw feature."""
    index = {name: i for i, name in enumerate(features)}
    sources = [index[code.source] for code in encoder.codes for _ in code.names]
    out = np.zeros((len(sources), len(features)))
    out[np.arange(len(sources)), sources] = 1.0
    return out


def _outputs(target: Target) -> tuple[str, ...]:
    if target.task is Task.BINARY:
        return (str(target.positive),)
    if target.task is Task.MULTICLASS:
        return tuple(str(c) for c in target.classes)
    return (target.column,)


def _main_output(local: LocalExplanations, j: int) -> int:
    """The output a feature moves most (the only one, except for multiclass)."""
    return int(np.argmax(np.abs(local.values[:, j, :]).mean(axis=0)))


def _dependence(local: LocalExplanations, j: int, seed: int) -> Dependence:
    k = _main_output(local, j)
    n = local.rows.height
    picked = np.arange(n)
    if n > DEPENDENCE_POINTS:
        picked = np.sort(np.random.default_rng(seed).choice(n, DEPENDENCE_POINTS, replace=False))
    raw = local.rows[local.features[j]].to_list()
    points = tuple((_raw(raw[i]), float(local.values[i, j, k])) for i in picked)
    return Dependence(local.features[j], local.outputs[k], points)


def _driver(local: LocalExplanations, j: int, rank: int) -> str:
    k = _main_output(local, j)
    feature = local.features[j]
    outcome = outcome_phrase(local.target, local.outputs[k])
    return driver_sentence(local.rows[feature], local.values[:, j, k], outcome, rank)


def _share(part: float, total: float) -> float:
    return float(part) / total if total > 0 else 0.0


def _raw(value: Any) -> Raw:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return json_sig(value, 6)
    return str(value)  # dates and times, as ISO text
