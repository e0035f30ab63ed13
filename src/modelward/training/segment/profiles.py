"""Each segment in words a manager reads: its size, what sets it apart, and its outcome.

A trait compares the segment with all rows, on the same footing for every kind of column: the
standardized difference `z` (segment minus all rows, over the spread of all rows):

- a number: its median, over the interquartile spread ("high tenure (median 61 vs 29)"), or
  its mean where medians say nothing;
- a true/false or 0/1 column: its rate ("paperless_billing more often (85% vs 59%)");
- text: its most over-represented level by lift, among levels holding at least a tenth of the
  segment ("contract Two year (68% vs 24%)"); columns whose level and shares coincide (six
  services all "No internet service") read as one trait.

The outcome (never clustered on) is a rate, a mean or a level relative to the average: "churn
rate 0.3× the average (8% vs 27%)".
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.training.numeric_code import cleaned
from modelward.training.segment.encode import IQR_TO_SD, Block, BlockKind
from modelward.training.segment.model import Segmentation
from modelward.training.target import POSITIVE_NAMES

MAX_TRAITS = 4
MIN_Z = 0.25  # a smaller standardized difference does not set a segment apart
MIN_LEVEL_SHARE = 0.1
SHOWN_COLUMNS = 2  # merged columns named in words; the rest are counted
PLAIN_POSITIVE = frozenset({"yes", "true", "1", "y", "positive"})


@dataclass(frozen=True)
class Trait:
    """One comparison of a segment with all rows; `words` is what people read."""

    columns: tuple[str, ...]
    kind: str  # number, flag, level; outcome_rate, outcome_mean, outcome_level
    level: str | None
    segment_value: float
    overall_value: float
    z: float
    lift: float | None  # segment / all rows, for shares, rates and positive means
    words: str

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": list(self.columns),
            "kind": self.kind,
            "level": self.level,
            "segment_value": self.segment_value,
            "overall_value": self.overall_value,
            "z": self.z,
            "lift": self.lift,
            "words": self.words,
        }


@dataclass(frozen=True)
class SegmentProfile:
    label: str
    size: int
    share: float
    traits: tuple[Trait, ...]
    outcome: Trait | None
    summary: str  # one line: "segment 1: 2,345 rows (33%): high tenure (median 61 vs 29), ..."

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "size": self.size,
            "share": self.share,
            "traits": [t.to_json() for t in self.traits],
            "outcome": None if self.outcome is None else self.outcome.to_json(),
            "summary": self.summary,
        }


def describe_segments(
    segmentation: Segmentation, frame: pl.DataFrame, *, outcome: str | None = None
) -> tuple[SegmentProfile, ...]:
    """A profile per segment of `frame`'s rows, in segment order."""
    if outcome is not None and outcome not in frame.columns:
        raise InputError.field("outcome", outcome, "one of the data's columns")
    conformed = segmentation.encoder.schema.conform(frame, ignore_extra=True)
    labels, _ = segmentation.assign_matrix(segmentation.encoder.matrix(conformed))
    profiles = []
    for index, label in enumerate(segmentation.labels):
        mask = labels == index
        traits = _top([_trait(b, conformed[b.source], mask) for b in segmentation.encoder.blocks])
        result = None if outcome is None else _outcome(frame[outcome], mask)
        size = int(mask.sum())
        share = size / max(frame.height, 1)
        words = [t.words for t in traits] or ["no trait stands out"]
        words += [result.words] if result is not None else []
        rows = "row" if size == 1 else "rows"
        summary = f"{label}: {size:,} {rows} ({share:.0%}): {', '.join(words)}"
        profiles.append(SegmentProfile(label, size, round(share, 4), traits, result, summary))
    return tuple(profiles)


def _trait(block: Block, values: pl.Series, mask: np.ndarray) -> Trait | None:
    if not mask.any():
        return None
    if block.kind is BlockKind.LEVELS:
        return _level(values, mask, block.source, "level")
    numbers = cleaned(values).to_numpy()
    present = ~np.isnan(numbers)
    if present.sum() < 2 or not (mask & present).any():
        return None
    if block.kind is BlockKind.FLAG:
        return _flag(block.source, numbers[present], mask[present])
    return _number(block.source, numbers[present], mask[present])


def _number(name: str, values: np.ndarray, mask: np.ndarray) -> Trait | None:
    """Medians over the interquartile spread; means over the deviation where medians say
    nothing (a column mostly of one value, or the same median in and out)."""
    q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75])
    inside = float(np.median(values[mask]))
    stat, a, b, spread = "median", inside, float(median), float(q3 - q1) / IQR_TO_SD
    if spread == 0.0 or inside == median:
        stat, a, b, spread = "mean", float(values[mask].mean()), float(values.mean()), values.std()
    if spread == 0.0:
        return None
    z = (a - b) / float(spread)
    words = f"{'high' if z > 0 else 'low'} {name} ({stat} {_number_text(a)} vs {_number_text(b)})"
    return Trait((name,), "number", None, a, b, round(z, 3), _lift(a, b), words)


def _flag(name: str, values: np.ndarray, mask: np.ndarray) -> Trait | None:
    rate, overall = float(values[mask].mean()), float(values.mean())
    spread = math.sqrt(overall * (1.0 - overall))
    if spread == 0.0:
        return None
    z = (rate - overall) / spread
    words = f"{name} {'more' if z > 0 else 'less'} often ({rate:.0%} vs {overall:.0%})"
    return Trait((name,), "flag", None, rate, overall, round(z, 3), _lift(rate, overall), words)


def _level(values: pl.Series, mask: np.ndarray, name: str, kind: str) -> Trait | None:
    """The level most over-represented in the segment (by lift); None if none is."""
    text = values.cast(pl.String)
    present = text.is_not_null().to_numpy()
    overall = _shares(text.filter(pl.Series(present)))
    inside = _shares(text.filter(pl.Series(mask & present)))
    best: tuple[float, str] | None = None
    for level, share in inside.items():
        lift = share / overall[level]
        if share >= MIN_LEVEL_SHARE and lift > 1.0 and (best is None or lift > best[0]):
            best = (lift, level)
    if best is None:
        return None
    lift, level = best
    share, base = inside[level], overall[level]
    z = (share - base) / math.sqrt(base * (1.0 - base)) if base < 1.0 else 0.0
    words = f"{name} {level} ({share:.0%} vs {base:.0%})"
    return Trait((name,), kind, level, share, base, round(z, 3), round(lift, 3), words)


def _shares(text: pl.Series) -> dict[str, float]:
    if text.is_empty():
        return {}
    counts = text.rename("level").value_counts(name="n")
    total = text.len()
    return {str(v): n / total for v, n in zip(counts["level"], counts["n"], strict=True)}


def _top(traits: list[Trait | None]) -> tuple[Trait, ...]:
    """The most distinctive traits, identical level traits of several columns merged."""
    ranked = sorted((t for t in traits if t is not None), key=lambda t: -abs(t.z))
    merged: list[Trait] = []
    for trait in ranked:
        twin = next((m for m in merged if _same(m, trait)), None)
        if twin is None:
            merged.append(trait)
        else:
            merged[merged.index(twin)] = _merge(twin, trait)
    return tuple(t for t in merged if abs(t.z) >= MIN_Z)[:MAX_TRAITS]


def _same(a: Trait, b: Trait) -> bool:
    return (
        a.kind == b.kind == "level"
        and a.level == b.level
        and round(a.segment_value, 3) == round(b.segment_value, 3)
        and round(a.overall_value, 3) == round(b.overall_value, 3)
    )


def _merge(first: Trait, other: Trait) -> Trait:
    columns = (*first.columns, *other.columns)
    named = ", ".join(columns[:SHOWN_COLUMNS])
    if len(columns) > SHOWN_COLUMNS:
        named += f" and {len(columns) - SHOWN_COLUMNS} more"
    shares = f"({first.segment_value:.0%} vs {first.overall_value:.0%})"
    return replace(first, columns=columns, words=f"{named}: {first.level} {shares}")


def _outcome(values: pl.Series, mask: np.ndarray) -> Trait | None:
    """The outcome in the segment against all rows: a rate, a mean, or a level's share."""
    present = values.is_not_null().to_numpy()
    if values.dtype.is_float():
        present &= ~np.isnan(values.cast(pl.Float64).fill_null(0.0).to_numpy())
    kept = values.filter(pl.Series(present))
    distinct = kept.n_unique()
    if distinct < 2 or not (mask & present).any():
        return None
    inside = mask[present]
    if distinct == 2:
        return _rate(kept, inside)
    if kept.dtype.is_numeric():
        return _mean(kept, inside)
    trait = _level(kept, inside, kept.name, "outcome_level")
    if trait is None:
        return None
    lift = trait.lift or 1.0
    shares = f"({trait.segment_value:.0%} vs {trait.overall_value:.0%})"
    return replace(trait, words=f"{kept.name} {trait.level} {_times(lift)} the average {shares}")


def _rate(values: pl.Series, mask: np.ndarray) -> Trait:
    """The positive label's rate: one named as positive ("yes", "churn"), else the larger."""
    labels = [str(v) for v in values.unique().sort().to_list()]
    named = [v for v in labels if v.strip().lower() in POSITIVE_NAMES]
    positive = named[0] if len(named) == 1 else labels[1]
    hits = (values.cast(pl.String) == positive).to_numpy().astype(np.float64)
    rate, overall = float(hits[mask].mean()), float(hits.mean())
    z = (rate - overall) / math.sqrt(overall * (1.0 - overall))
    lift = rate / overall
    plain = positive.strip().lower() in PLAIN_POSITIVE
    what = values.name if plain else f"{values.name} {positive}"
    words = f"{what} rate {_times(lift)} the average ({rate:.0%} vs {overall:.0%})"
    return Trait((values.name,), "outcome_rate", positive, rate, overall, round(z, 3), lift, words)


def _mean(values: pl.Series, mask: np.ndarray) -> Trait:
    numbers = values.cast(pl.Float64).to_numpy()
    inside, overall = float(numbers[mask].mean()), float(numbers.mean())
    spread = float(numbers.std())
    z = (inside - overall) / spread if spread > 0.0 else 0.0
    lift = _lift(inside, overall)
    shown = f"{_number_text(inside)} vs {_number_text(overall)}"
    relative = f"{_times(lift)} the average ({shown})" if lift is not None else shown
    words = f"{values.name} mean {relative}"
    return Trait((values.name,), "outcome_mean", None, inside, overall, round(z, 3), lift, words)


def _lift(inside: float, overall: float) -> float | None:
    """A ratio reads well only for positive quantities."""
    return round(inside / overall, 3) if overall > 0.0 and inside >= 0.0 else None


def _times(lift: float) -> str:
    return f"{lift:.1f}×" if lift >= 0.1 else f"{lift:.2f}×"


def _number_text(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
