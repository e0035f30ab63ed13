"""Where the model is weakest: the primary metric on slices of the data, worst first.

A slice is one level of a categorical column (or of a numeric column with few values), one
quartile bin of a numeric or date column, or the rows where a column is missing. Every raw
column except the target is sliced, sensitive attributes included; identifier-like columns
(nearly every value distinct) are skipped, as a slice of one row says nothing.

Small slices are noise, so a slice needs max(30, 1% of the rows) rows; for ranking metrics
(ROC-AUC, PR-AUC) it also needs every class. All slices are scored at once: each slice is a row
of 0/1 weights for the weighted metrics of `bootstrap`, so this takes well under a second.

A ranking metric is usually lower inside a slice than overall: the slice removes the
differences between groups that the model also ranks on. Compare slices with each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.evaluation.bootstrap import point_score, weighted_scores
from modelward.evaluation.numbers import json_float
from modelward.evaluation.performance import decision_threshold, fmt, metric_label
from modelward.training import Evidence, get_metric

MIN_ROWS = 30
MIN_SHARE = 0.01
MAX_LEVELS = 10  # a numeric column with more distinct values is cut into quartile bins
ID_SHARE = 0.95  # share of distinct values that makes a string or integer column an identifier
RANKING = frozenset({"roc_auc", "roc_auc_ovr", "pr_auc"})

Candidate = tuple[str, str, np.ndarray]  # column, condition, row mask


@dataclass(frozen=True)
class Slice:
    """One slice: its condition, size, score and gap to the overall score (positive: worse)."""

    column: str
    condition: str
    rows: int
    score: float
    gap: float
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "condition": self.condition,
            "rows": self.rows,
            "score": json_float(self.score, 6),
            "gap": json_float(self.gap, 6),
            "sentence": self.sentence,
        }


@dataclass(frozen=True)
class SliceReport:
    """The worst slices by the primary metric, of `examined` slices big enough to score."""

    metric: str
    overall: float
    min_rows: int
    examined: int
    worst: tuple[Slice, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def facts(self) -> dict[str, float]:
        """worst_slice_gap: how far the worst slice falls below the overall score."""
        return {"worst_slice_gap": self.worst[0].gap} if self.worst else {}

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "overall": json_float(self.overall, 6),
            "min_rows": self.min_rows,
            "examined": self.examined,
            "worst": [s.to_json() for s in self.worst],
            "notes": list(self.notes),
        }


def worst_slices(
    evidence: Evidence, metric: str, *, threshold: float | None = None, limit: int = 10
) -> SliceReport:
    """The `limit` slices where the primary metric falls furthest below its overall value.

    `threshold` (binary; 0.5 when None) decides label metrics such as accuracy.
    """
    if limit < 1:
        raise InputError.field("limit", limit, "a whole number of slices >= 1")
    chosen = get_metric(metric, evidence.target.task, field="metric")
    threshold = decision_threshold(evidence.target.task, threshold)
    rows = evidence.scored
    y, pred = evidence.y[rows], evidence.oof[rows]
    overall = point_score(y, pred, chosen.name, threshold=threshold)
    min_rows = max(MIN_ROWS, math.ceil(MIN_SHARE * len(rows)))
    candidates, notes = _candidates(evidence, rows, min_rows)
    if chosen.name in RANKING and candidates:
        candidates = _with_every_class(candidates, y, evidence.target.n_classes)
        notes = (*notes, f"{metric_label(chosen.name)} within a slice is usually below overall")
    if not candidates:
        return SliceReport(chosen.name, overall, min_rows, 0, (), (*notes, "no slice to score"))
    masks = np.stack([mask for _, _, mask in candidates]).astype(np.float64)
    scores = weighted_scores(y, pred, chosen.name, masks, threshold=threshold)
    gaps = np.array([chosen.loss(s) - chosen.loss(overall) for s in scores])
    ranked = [i for i in np.argsort(-gaps, kind="stable") if np.isfinite(gaps[i])][:limit]
    label = metric_label(chosen.name)
    worst = tuple(
        _slice(candidates[i], float(scores[i]), float(gaps[i]), overall, label) for i in ranked
    )
    return SliceReport(chosen.name, overall, min_rows, len(candidates), worst, notes)


def _slice(candidate: Candidate, score: float, gap: float, overall: float, label: str) -> Slice:
    column, condition, mask = candidate
    size = int(mask.sum())
    sentence = f"{condition} ({size:,} rows): {label} {fmt(score, 2)} vs {fmt(overall, 2)} overall"
    return Slice(column, condition, size, score, gap, sentence)


def _candidates(
    evidence: Evidence, rows: np.ndarray, min_rows: int
) -> tuple[list[Candidate], tuple[str, ...]]:
    frame = evidence.frame[rows]
    found: list[Candidate] = []
    skipped: list[str] = []
    for column in frame.columns:
        if column == evidence.target.column:
            continue
        series = frame[column]
        if _id_like(series):
            skipped.append(column)
            continue
        for condition, mask in _column_slices(series, min_rows):
            found.append((column, condition, mask))
    notes = (f"not sliced, identifier-like: {', '.join(skipped)}",) if skipped else ()
    return found, notes


def _id_like(series: pl.Series) -> bool:
    if not (series.dtype == pl.String or series.dtype.is_integer()):
        return False
    return series.n_unique() >= ID_SHARE * max(series.len(), 1)


def _column_slices(series: pl.Series, min_rows: int) -> list[tuple[str, np.ndarray]]:
    slices: list[tuple[str, np.ndarray]] = []
    if series.null_count() >= min_rows:
        slices.append((f"{series.name} is missing", series.is_null().to_numpy()))
    binnable = series.dtype.is_numeric() or series.dtype.is_temporal()
    if binnable and series.n_unique() > MAX_LEVELS:
        slices.extend(_quartile_slices(series))
    elif series.dtype.is_numeric() or series.dtype in (pl.String, pl.Boolean, pl.Categorical):
        slices.extend(_level_slices(series, min_rows))
    return [(condition, mask) for condition, mask in slices if mask.sum() >= min_rows]


def _level_slices(series: pl.Series, min_rows: int) -> list[tuple[str, np.ndarray]]:
    counts = series.drop_nulls().value_counts(sort=True)
    levels = counts.filter(pl.col("count") >= min_rows)[series.name].to_list()
    return [(f"{series.name} = {level}", _mask(series == level)) for level in levels]


def _quartile_slices(series: pl.Series) -> list[tuple[str, np.ndarray]]:
    physical = series.to_physical()
    values = physical.cast(pl.Float64)
    quartiles = (values.quantile(p) for p in (0.25, 0.5, 0.75))
    cuts = sorted({float(q) for q in quartiles if q is not None})
    name, shown = series.name, [_shown(series.dtype, physical.dtype, c) for c in cuts]
    slices = [(f"{name} ≤ {shown[0]}", _mask(values <= cuts[0]))]
    for low, high, a, b in zip(cuts, cuts[1:], shown, shown[1:], strict=False):
        slices.append((f"{a} < {name} ≤ {b}", _mask((values > low) & (values <= high))))
    slices.append((f"{name} > {shown[-1]}", _mask(values > cuts[-1])))
    return slices


def _shown(dtype: pl.DataType, physical: pl.DataType, cut: float) -> str:
    """A bin edge in the column's own terms: 29.5, 1,840 or 2024-03-01."""
    if dtype.is_temporal():
        return str(pl.Series([round(cut)]).cast(physical).cast(dtype)[0])
    return f"{cut:,.0f}" if abs(cut) >= 1000 else f"{cut:.4g}"


def _mask(condition: pl.Series) -> np.ndarray:
    return np.asarray(condition.fill_null(False).to_numpy(), dtype=bool)


def _with_every_class(candidates: list[Candidate], y: np.ndarray, k: int) -> list[Candidate]:
    """Keep the slices that hold every class: a ranking metric is undefined otherwise."""
    masks = np.stack([mask for _, _, mask in candidates]).astype(np.float64)
    per_class = masks @ np.eye(k)[y]
    return [c for c, counts in zip(candidates, per_class, strict=True) if (counts > 0).all()]
