"""Fairness: how the model's decisions and errors differ across sensitive groups.

Judged on the out-of-fold predictions, per sensitive attribute and per intersection of two or
more attributes (a model can treat women and seniors alike yet not senior women). The
definitions are fairlearn's (a difference is the largest between-groups gap), but the per-group
counts are plain `np.bincount`s: a rate a group cannot have (TPR without positives) stays None
where fairlearn's MetricFrame reports 0, groups too small to judge are left out of the
differences, and the same counting serves the threshold search, which scans a thousand
thresholds. Tests check the numbers against fairlearn's.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score

from modelward.errors import InputError
from modelward.evaluation.numbers import json_float
from modelward.model import DEFAULT_THRESHOLD
from modelward.spec import Task
from modelward.training import Evidence, group_labels

MIN_GROUP_ROWS = 30

Measures = dict[str, float | None]


@dataclass(frozen=True)
class Group:
    """One group of an attribute: its size and its measures (None where undefined)."""

    label: str
    rows: int
    share: float
    measures: Mapping[str, float | None]

    @property
    def judged(self) -> bool:
        """Whether the group is large enough for its rates to be compared."""
        return self.rows >= MIN_GROUP_ROWS

    def to_json(self) -> dict[str, Any]:
        shown = {k: json_float(v) for k, v in self.measures.items()}
        head = {"group": self.label, "rows": self.rows, "share": json_float(self.share)}
        return head | {"judged": self.judged} | shown


@dataclass(frozen=True)
class AttributeFairness:
    """The groups of one attribute (or intersection, named `a&b`) and their differences."""

    name: str
    columns: tuple[str, ...]
    groups: tuple[Group, ...]
    differences: Mapping[str, float | None]
    summary: str
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "summary": self.summary,
            "differences": {k: json_float(v) for k, v in self.differences.items()},
            "groups": [g.to_json() for g in self.groups],
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Fairness:
    """Fairness of one model over its sensitive attributes and their intersections."""

    task: Task
    threshold: float | None
    attributes: tuple[AttributeFairness, ...]
    notes: tuple[str, ...] = ()

    def facts(self) -> dict[str, float]:
        """The worst value over all attributes and intersections, then each one's own."""
        worst: dict[str, float] = {}
        own: dict[str, float] = {}
        for attribute in self.attributes:
            for measure, value in attribute.differences.items():
                if value is None:
                    continue
                own[f"fairness.{attribute.name}.{measure}"] = value
                key = f"fairness.{measure}"
                pick = min if measure.endswith("_ratio") else max
                worst[key] = pick(worst[key], value) if key in worst else value
        return worst | own

    def to_json(self) -> dict[str, Any]:
        return {
            "task": self.task.value,
            "threshold": json_float(self.threshold),
            "min_group_rows": MIN_GROUP_ROWS,
            "attributes": [a.to_json() for a in self.attributes],
            "notes": list(self.notes),
        }


def fairness(evidence: Evidence, sensitive: Sequence[str], *, threshold: float | None) -> Fairness:
    """Per-group rates and between-group differences, per attribute and intersection.

    `threshold` turns a binary task's probabilities into decisions (None: 0.5); other tasks
    ignore it. Groups of fewer than `MIN_GROUP_ROWS` rows are reported but left out of the
    differences. Raises InputError for a sensitive name that is not a column.
    """
    names = _check_sensitive(evidence.frame, sensitive)
    task = evidence.target.task
    cut = _check_threshold(threshold) if task is Task.BINARY else None
    rows = evidence.scored
    frame = evidence.frame[rows]
    y, pred = evidence.y[rows], evidence.oof[rows]
    sets = [combo for r in range(1, len(names) + 1) for combo in itertools.combinations(names, r)]
    attributes = tuple(
        _attribute(columns, group_labels(frame, columns), y, pred, task, cut) for columns in sets
    )
    return Fairness(task, cut, attributes, _notes(evidence, task, threshold, len(rows)))


def group_codes(labels: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The distinct labels (sorted) and each row's index into them."""
    distinct, codes = np.unique(np.asarray(labels).astype(str), return_inverse=True)
    return [str(label) for label in distinct], codes.reshape(-1)


def selection_gap(rates: Sequence[float]) -> float | None:
    """The demographic parity difference of some judged groups' selection rates."""
    return max(rates) - min(rates) if len(rates) >= 2 else None


def _attribute(
    columns: tuple[str, ...],
    labels: np.ndarray,
    y: np.ndarray,
    pred: np.ndarray,
    task: Task,
    cut: float | None,
) -> AttributeFairness:
    names, codes = group_codes(labels)
    measured = _MEASURES[task](codes, len(names), y, pred, cut)
    counts = np.bincount(codes, minlength=len(names))
    n = max(len(codes), 1)
    groups = tuple(
        Group(name, int(k), float(k) / n, m)
        for name, k, m in zip(names, counts, measured, strict=True)
    )
    name = "&".join(columns)
    differences = _differences(groups, task)
    small = tuple(
        f"group {g.label} has {g.rows} rows (< {MIN_GROUP_ROWS}): too small to judge, "
        "left out of the differences"
        for g in groups
        if not g.judged
    )
    return AttributeFairness(
        name, columns, groups, differences, _summary(name, groups, task), small
    )


def _binary_measures(
    codes: np.ndarray, k: int, y: np.ndarray, proba: np.ndarray, cut: float | None
) -> list[Measures]:
    positive = y == 1
    chosen = proba[:, 1] >= (DEFAULT_THRESHOLD if cut is None else cut)
    rows, pos = _sums(codes, k, np.ones(len(y))), _sums(codes, k, positive)
    sel, tp, fp = (
        _sums(codes, k, chosen),
        _sums(codes, k, chosen & positive),
        _sums(codes, k, chosen & ~positive),
    )
    right = _sums(codes, k, chosen == positive)
    return [
        {
            "base_rate": float(pos[g] / rows[g]),
            "selection_rate": float(sel[g] / rows[g]),
            "tpr": float(tp[g] / pos[g]) if pos[g] else None,
            "fpr": float(fp[g] / (rows[g] - pos[g])) if rows[g] > pos[g] else None,
            "accuracy": float(right[g] / rows[g]),
            "roc_auc": _auc(y[codes == g], proba[codes == g, 1]),
        }
        for g in range(k)
    ]


def _multiclass_measures(
    codes: np.ndarray, k: int, y: np.ndarray, proba: np.ndarray, cut: float | None
) -> list[Measures]:
    right = _sums(codes, k, proba.argmax(axis=1) == y) / _sums(codes, k, np.ones(len(y)))
    return [{"accuracy": float(right[g])} for g in range(k)]


def _regression_measures(
    codes: np.ndarray, k: int, y: np.ndarray, pred: np.ndarray, cut: float | None
) -> list[Measures]:
    rows = _sums(codes, k, np.ones(len(y)))
    means = {"mean_prediction": pred, "mean_target": y, "mae": np.abs(y - pred)}
    return [{m: float(_sums(codes, k, v)[g] / rows[g]) for m, v in means.items()} for g in range(k)]


def _differences(groups: Sequence[Group], task: Task) -> dict[str, float | None]:
    if task is not Task.BINARY:
        measures = (
            ("accuracy",) if task is Task.MULTICLASS else ("mean_prediction", "mean_target", "mae")
        )
        return {f"{m}_gap": selection_gap(_judged(groups, m)) for m in measures}
    selection = _judged(groups, "selection_rate")
    tpr_gap = selection_gap(_judged(groups, "tpr"))
    odds = [gap for gap in (tpr_gap, selection_gap(_judged(groups, "fpr"))) if gap is not None]
    top = max(selection, default=0.0)
    # No group selected at all treats every group alike: parity, ratio 1.
    ratio = (min(selection) / top if top > 0 else 1.0) if len(selection) >= 2 else None
    return {
        "demographic_parity_difference": selection_gap(selection),
        "demographic_parity_ratio": ratio,
        "equalized_odds_difference": max(odds) if odds else None,
        "equal_opportunity_difference": tpr_gap,
    }


_MEASURES: dict[Task, Callable[..., list[Measures]]] = {
    Task.BINARY: _binary_measures,
    Task.MULTICLASS: _multiclass_measures,
    Task.REGRESSION: _regression_measures,
}
# The measure whose extremes a summary compares, and the ones it quotes beside it.
_HEADLINE = {
    Task.BINARY: ("selection_rate", "selection rate", (("tpr", "TPR"),)),
    Task.MULTICLASS: ("accuracy", "accuracy", ()),
    Task.REGRESSION: (
        "mae",
        "MAE",
        (("mean_prediction", "mean prediction"), ("mean_target", "mean target")),
    ),
}


def _summary(name: str, groups: Sequence[Group], task: Task) -> str:
    measure, words, extras = _HEADLINE[task]
    ranked = sorted(
        (g for g in groups if g.judged and g.measures[measure] is not None),
        key=lambda g: g.measures[measure] or 0.0,
    )
    if len(ranked) < 2:
        return (
            f"{name}: fewer than two groups of at least {MIN_GROUP_ROWS} rows; nothing to compare"
        )
    hi, lo = ranked[-1], ranked[0]
    gap = (hi.measures[measure] or 0.0) - (lo.measures[measure] or 0.0)
    text = (
        f"{name}: {words} {_num(hi.measures[measure])} for {hi.label} vs "
        f"{_num(lo.measures[measure])} for {lo.label} (difference {_num(gap)})"
    )
    for key, label in extras:
        text += f"; {label} {_num(hi.measures[key])} vs {_num(lo.measures[key])}"
    return text


def _notes(evidence: Evidence, task: Task, given: float | None, scored: int) -> tuple[str, ...]:
    notes = []
    if task is Task.BINARY and given is None:
        notes.append(f"decisions at the default threshold {DEFAULT_THRESHOLD} (none given)")
    if scored < evidence.n_rows:
        notes.append(
            f"judged on the {scored:,} of {evidence.n_rows:,} rows with an out-of-fold prediction"
        )
    notes.append(
        f"groups of fewer than {MIN_GROUP_ROWS} rows are reported but too small to judge, "
        "and left out of the differences"
    )
    return tuple(notes)


def _check_sensitive(frame: pl.DataFrame, sensitive: Sequence[str]) -> list[str]:
    if isinstance(sensitive, str):
        sensitive = [sensitive]
    for name in sensitive:
        if name not in frame.columns:
            shown = ", ".join(frame.columns[:30]) + ("" if frame.width <= 30 else ", ...")
            raise InputError.field("sensitive", name, f"one of the data's columns: {shown}")
    return list(dict.fromkeys(sensitive))


def _check_threshold(threshold: float | None) -> float:
    if threshold is None:
        return DEFAULT_THRESHOLD
    if not 0.0 <= threshold <= 1.0:
        raise InputError.field("threshold", threshold, "a probability between 0 and 1")
    return float(threshold)


def _sums(codes: np.ndarray, k: int, values: np.ndarray) -> np.ndarray:
    """Each group's sum of `values` (a mask counts its rows)."""
    return np.bincount(codes, weights=values.astype(np.float64), minlength=k)


def _judged(groups: Sequence[Group], measure: str) -> list[float]:
    return [v for g in groups if g.judged and (v := g.measures[measure]) is not None]


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, score))


def _num(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"
