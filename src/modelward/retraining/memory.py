"""The memory set: a sample of older data kept with a deployment, so retraining does not forget.

Each retrain refreshes it from the previous memory and the champion's own training rows, half
each (when both exist), stratified by the target for classification so rare outcomes stay in.
It is stored as an ordinary dataset version (`<deployment>-memory`), so it is versioned,
audited and on the record like any data.
"""

from __future__ import annotations

import polars as pl

MEMORY_ROWS = 2_000


def refresh_memory(
    training: pl.DataFrame,
    previous: pl.DataFrame | None,
    *,
    target: str,
    classification: bool,
    rows: int = MEMORY_ROWS,
    seed: int = 0,
) -> pl.DataFrame:
    """Up to `rows` older rows: half from the previous memory (if any), the rest from `training`."""
    if previous is None or previous.is_empty():
        return _sample(training, rows, target, classification, seed)
    kept = _sample(previous, rows // 2, target, classification, seed)
    columns = [c for c in training.columns if c in kept.columns]
    fresh = _sample(training.select(columns), rows - kept.height, target, classification, seed + 1)
    return pl.concat([kept.select(columns), fresh], how="vertical_relaxed")


def split(
    frame: pl.DataFrame, share: float, *, seed: int, time_column: str | None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(first, second): `second` holds `share` of the rows, the latest ones when a time column
    orders them (judging on the future, as production will), else a seeded random share."""
    n_test = max(1, round(frame.height * share))
    if time_column is not None and time_column in frame.columns:
        ordered = frame.sort(time_column, nulls_last=False)
        return ordered.head(frame.height - n_test), ordered.tail(n_test)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    return shuffled.head(frame.height - n_test), shuffled.tail(n_test)


def _sample(
    frame: pl.DataFrame, rows: int, target: str, classification: bool, seed: int
) -> pl.DataFrame:
    if frame.height <= rows:
        return frame
    if not classification or target not in frame.columns:
        return frame.sample(rows, seed=seed)
    share = rows / frame.height
    parts = [
        group.sample(max(1, round(group.height * share)), seed=seed)
        for _, group in frame.group_by(target, maintain_order=True)
    ]
    return pl.concat(parts).head(rows)
