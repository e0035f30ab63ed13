"""Label-noise and poisoning scan of the training rows, from out-of-fold probabilities.

Confident learning (cleanlab) flags rows whose label disagrees with what a model that never
saw them predicts confidently; conflicting duplicates are identical feature rows with different
labels; a trigger is a rare value whose every row carries one label (a poisoning signature).
The findings join the dataset version's audit.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import polars as pl

from modelward.audit import JSON, Finding, Severity
from modelward.training.target import Target

SHOWN_ROWS = 20
NOISE_WARNING_SHARE = 0.03
TRIGGER_MIN_ROWS = 10
TRIGGER_MAX_SHARE = 0.01
TRIGGER_CHANCE = 1e-4


def scan_training_rows(
    frame: pl.DataFrame, target: Target, y: np.ndarray, oof: np.ndarray, features: Sequence[str]
) -> list[Finding]:
    findings: list[Finding] = []
    if target.is_classification:
        findings += _label_issues(target, y, oof)
        findings += _triggers(frame, target, features)
    findings += _conflicts(frame, target, features)
    return findings


def _label_issues(target: Target, y: np.ndarray, oof: np.ndarray) -> list[Finding]:
    from cleanlab.filter import find_label_issues

    scored = ~np.isnan(oof).any(axis=1)
    rows = np.flatnonzero(scored)
    probs = oof[rows] / oof[rows].sum(axis=1, keepdims=True)
    with warnings.catch_warnings():
        # cleanlab warns when a class is tiny; the finding below says what matters.
        warnings.simplefilter("ignore")
        issues = find_label_issues(
            y[rows], probs, return_indices_ranked_by="self_confidence", n_jobs=1
        )
    flagged = rows[np.asarray(issues, dtype=int)]
    share = len(flagged) / max(1, len(rows))
    if not len(flagged):
        return [
            Finding("label_noise", Severity.INFO, "No row looks mislabeled (confident learning).")
        ]
    severity = Severity.WARNING if share > NOISE_WARNING_SHARE else Severity.INFO
    message = (
        f"{len(flagged)} of {len(rows)} rows ({share:.1%}) may be mislabeled: a model that never "
        f"saw them is confident their {target.column!r} is another class; review the first ones"
    )
    shown: list[JSON] = [int(r) for r in flagged[:SHOWN_ROWS]]
    details: dict[str, JSON] = {"count": len(flagged), "share": share, "rows": shown}
    return [Finding("label_noise", severity, message, target.column, details)]


def _conflicts(frame: pl.DataFrame, target: Target, features: Sequence[str]) -> list[Finding]:
    if not features:
        return []
    groups = (
        frame.select([*features, target.column])
        .group_by(list(features))
        .agg(pl.col(target.column).n_unique().alias("labels"), pl.len().alias("rows"))
        .filter(pl.col("labels") > 1)
    )
    if groups.height == 0:
        return []
    rows = int(groups["rows"].sum())
    message = (
        f"{groups.height} groups of identical feature rows ({rows} rows) carry different "
        f"{target.column!r} values: no model can get them all right"
    )
    details: dict[str, JSON] = {"groups": groups.height, "rows": rows}
    return [Finding("conflicting_labels", Severity.WARNING, message, target.column, details)]


def _triggers(frame: pl.DataFrame, target: Target, features: Sequence[str]) -> list[Finding]:
    found: list[Finding] = []
    limit = max(TRIGGER_MIN_ROWS, int(frame.height * TRIGGER_MAX_SHARE))
    shares = frame[target.column].cast(pl.String).value_counts(normalize=True)
    base = dict(zip(shares[target.column].to_list(), shares["proportion"].to_list(), strict=True))
    for column in features:
        if frame[column].dtype not in (pl.String, pl.Categorical):
            continue
        stats = (
            frame.group_by(column)
            .agg(
                pl.len().alias("rows"),
                pl.col(target.column).n_unique().alias("labels"),
                pl.col(target.column).first().cast(pl.String).alias("label"),
            )
            .filter(
                (pl.col("rows") >= TRIGGER_MIN_ROWS)
                & (pl.col("rows") <= limit)
                & (pl.col("labels") == 1)
            )
        )
        for value, rows, label in stats.select(column, "rows", "label").iter_rows():
            # Only when pure chance (the label's base rate, `rows` times over) is unlikely.
            if value is None or base.get(label, 1.0) ** rows > TRIGGER_CHANCE:
                continue
            message = (
                f"value {value!r} of {column!r} is rare ({rows} rows) and every one of its rows "
                f"has the same {target.column!r}: a possible poisoning trigger, or a leak"
            )
            details: dict[str, JSON] = {"value": str(value), "rows": int(rows)}
            found.append(Finding("label_trigger", Severity.WARNING, message, column, details))
    return found
