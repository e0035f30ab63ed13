"""Checks on the target: class balance, and features that leak it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import polars as pl

from modelward.audit import wording as w
from modelward.audit.checks import separation as sep
from modelward.audit.context import AuditContext, TargetKind
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.profile import Kind
from modelward.audit.registry import check

LEAK_SCORE = 0.98
# A column that alone tells the target apart this well, and this much better than every other
# column alone, is more likely a noisy copy of the answer than a strong honest feature: honest
# signal is spread over several columns, a copy with 5% of its values flipped scores 0.95.
NEAR_LEAK_SCORE = 0.9
NEAR_LEAK_MARGIN = 0.15
SHOWN_CLASSES = 10
MAX_SCORED_CLASSES = 20


def class_counts(series: pl.Series, counts: pl.DataFrame | None = None) -> list[tuple[str, int]]:
    """Classes as text with their row counts, largest first.

    ``counts`` are the column's known value counts, if any; ``series`` is counted otherwise.
    """
    if counts is None:
        counts = series.drop_nulls().value_counts(name="n").rename({series.name: "value"})
    return sorted_counts(counts)


def positive_class(label: str, classes: list[str]) -> str | None:
    """The class ``label`` names: exactly, else ignoring case (a spec's `True` is `true` here)."""
    if label in classes:
        return label
    folded = [c for c in classes if c.lower() == label.lower()]
    return folded[0] if len(folded) == 1 else None


def sorted_counts(counts: pl.DataFrame) -> list[tuple[str, int]]:
    """``value``/``n`` rows as (text, count), largest first, ties by label for stable reports."""
    table = counts.select(pl.col("value").cast(pl.String), pl.col("n").cast(pl.Int64))
    return [
        (str(v), int(n))
        for v, n in table.sort(["n", "value"], descending=[True, False]).iter_rows()
    ]


@check("class_imbalance")
def class_imbalance(ctx: AuditContext) -> list[Finding]:
    """Class shares of a classification target, and how rare its smallest class is."""
    if ctx.target is None or ctx.target_kind not in (TargetKind.BINARY, TargetKind.MULTICLASS):
        return []
    name = ctx.target
    classes = class_counts(ctx.frame[name], ctx.value_counts.get(name))
    total = sum(n for _, n in classes)
    if not classes:
        msg = f"target `{name}` has no values: there is nothing to learn"
        return [_finding(Severity.ERROR, msg, name, {})]
    if len(classes) < 2:
        only = f" (`{classes[0][0]}`)"
        return [
            _finding(
                Severity.ERROR,
                f"target `{name}` has a single class{only}: there is nothing to learn",
                name,
                {},
            )
        ]
    shares = {label: n / total for label, n in classes}
    listed = ", ".join(
        f"`{label}` {w.share(n, total)} ({w.count(n)})" for label, n in classes[:SHOWN_CLASSES]
    )
    more = f" and {len(classes) - SHOWN_CLASSES} more" if len(classes) > SHOWN_CLASSES else ""
    details: dict[str, JSON] = {"classes": len(classes), "rows": total}
    out = [
        _finding(
            Severity.INFO,
            f"target `{name}` classes: {listed}{more}",
            name,
            {**details, "shares": shares},
        )
    ]
    label, n_min = classes[-1]
    if ctx.positive_label is not None and positive_class(ctx.positive_label, list(shares)) is None:
        known = w.values(list(shares), limit=SHOWN_CLASSES)
        msg = (
            f"positive label {w.value(ctx.positive_label)} does not occur in target `{name}` "
            f"(classes: {known})"
        )
        out.append(_finding(Severity.ERROR, msg, name, details))
    imbalance = _imbalance(
        name, label, n_min, total, len(classes), binary=ctx.target_kind is TargetKind.BINARY
    )
    if imbalance is not None:
        out.append(imbalance)
    return out


def _imbalance(
    name: str, label: str, n_min: int, total: int, k: int, *, binary: bool
) -> Finding | None:
    share = n_min / total
    if share >= 0.8 / k:
        return None
    fact = f"`{label}` is {w.share(n_min, total)} of rows ({w.count(n_min)} of {w.count(total)})"
    metric = "ROC-AUC or PR-AUC" if binary else "macro F1 or balanced accuracy"
    details: dict[str, JSON] = {
        "minority": label,
        "minority_rows": n_min,
        "minority_share": share,
        "rows": total,
    }
    if share < 0.01:
        msg = (
            f"target `{name}` is severely imbalanced: {fact}; collect more `{label}` examples or "
            "merge rare classes"
        )
        return _finding(Severity.ERROR, msg, name, details)
    severity = Severity.WARNING if share < 0.20 else Severity.INFO
    msg = (
        f"target `{name}` is imbalanced: {fact}; use stratified splits and a metric such as "
        f"{metric}"
    )
    return _finding(severity, msg, name, details)


def _finding(severity: Severity, message: str, column: str, details: Mapping[str, JSON]) -> Finding:
    return Finding("class_imbalance", severity, message, column, details)


@dataclass(frozen=True)
class _Labels:
    """The target on the sample, once, in the form a score needs: indicators or values."""

    metric: str
    rows: sep.BoolArray
    classes: list[sep.BoolArray]
    values: sep.FloatArray | None = None


@check("target_leakage")
def target_leakage(ctx: AuditContext) -> list[Finding]:
    """Features that copy the target or predict it almost perfectly on their own."""
    if ctx.target is None or ctx.target_kind is None:
        return []
    target = ctx.sample[ctx.target]
    if target.null_count() == len(target):
        return []
    labels = _labels(ctx, target)
    out: list[Finding] = []
    scores: dict[str, float] = {}
    for name in ctx.features:
        if ctx.profiles[name].n_distinct < 2 or not sep.encodable(ctx.frame.schema[name]):
            continue
        if _same_values(ctx.sample[name], target):
            msg = f"column `{name}` is a copy of the target `{ctx.target}`: drop it"
            out.append(Finding("target_leakage", Severity.ERROR, msg, name, {"identical": True}))
            continue
        score = scores[name] = _score(encoded(ctx, name), labels)
        if score >= LEAK_SCORE:
            msg = (
                f"column `{name}` predicts the target `{ctx.target}` almost perfectly on its own "
                f"({labels.metric} {w.score(score)}): it likely leaks the answer; drop it unless "
                "it is known at prediction time"
            )
            out.append(Finding("target_leakage", Severity.ERROR, msg, name, {labels.metric: score}))
    near = _near_leak(ctx, scores, labels.metric)
    return out if near is None else [*out, near]


def _near_leak(ctx: AuditContext, scores: Mapping[str, float], metric: str) -> Finding | None:
    """The column that alone predicts the target far better than any other column alone."""
    # columns already flagged as leaks are not the honest columns a near-copy is measured against
    below = {name: score for name, score in scores.items() if score < LEAK_SCORE}
    ranked = sorted(below.items(), key=lambda item: item[1], reverse=True)
    if len(ranked) < 2:
        return None
    (name, score), (runner, second) = ranked[0], ranked[1]
    if score < NEAR_LEAK_SCORE or score - second < NEAR_LEAK_MARGIN:
        return None
    msg = (
        f"column `{name}` alone predicts the target `{ctx.target}` far better than any other "
        f"column ({metric} {w.score(score)}, next best `{runner}` {w.score(second)}): it may be "
        "a copy of the answer with some values changed; drop it unless it is known at "
        "prediction time"
    )
    details: dict[str, JSON] = {metric: score, "next_best": runner, "next_best_score": second}
    return Finding("target_leakage", Severity.WARNING, msg, name, details)


def _same_values(column: pl.Series, target: pl.Series) -> bool:
    """Equal in every row, nulls included; 1/0 against "1"/"0" counts as equal too."""
    if column.dtype == target.dtype:
        return bool(column.eq_missing(target).all())
    comparable = {Kind.STRING, Kind.INTEGER, Kind.FLOAT, Kind.BOOLEAN}
    if {Kind.of(column.dtype), Kind.of(target.dtype)} <= comparable:
        return bool(column.cast(pl.String).eq_missing(target.cast(pl.String)).all())
    return False


def _labels(ctx: AuditContext, target: pl.Series) -> _Labels:
    rows = target.is_not_null().to_numpy()
    if ctx.target_kind is TargetKind.REGRESSION:
        values = target.cast(pl.Float64).fill_null(0.0).to_numpy()
        return _Labels("correlation", rows, [], values)
    text = target.cast(pl.String)
    classes = [c for c, _ in class_counts(text)]
    if ctx.target_kind is TargetKind.BINARY:
        label = None if ctx.positive_label is None else positive_class(ctx.positive_label, classes)
        positive = classes[-1] if label is None else label
        return _Labels("ROC-AUC", rows, [(text == positive).fill_null(False).to_numpy()])
    # One-vs-rest over the most common classes: enough to see leakage, bounded in cost.
    indicators = [(text == c).fill_null(False).to_numpy() for c in classes[:MAX_SCORED_CLASSES]]
    return _Labels("macro ROC-AUC", rows, indicators)


def _score(enc: sep.Encoded, labels: _Labels) -> float:
    if labels.values is not None:
        return sep.regression_score(enc, labels.values, labels.rows)
    return float(np.mean([sep.binary_score(enc, c, labels.rows) for c in labels.classes]))


def encoded(ctx: AuditContext, name: str) -> sep.Encoded:
    """The sample column `name`, encoded once per audit and shared by the checks that score it."""
    return ctx.memo(f"encoded:{name}", lambda: sep.encode(ctx.sample[name]))
