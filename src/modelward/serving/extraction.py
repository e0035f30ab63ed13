"""Model-extraction (model stealing) detection per API token.

Someone copying a model through its API needs labels over the whole input space, and asks for
them in telling ways: uniform draws over the feature ranges, sweeps of one feature at a time
from a real row, binary searches for the decision boundary. A legitimate client sends whole,
unrelated rows, even when its population moved far from the training data. So per token we
watch how it queries, never merely where its rows fall:

- coverage: where its last `memory_rows` rows fall on a coarse quantile grid of the reference
  (training) sample, over the few most continuous features (joint cells, so breaking the
  correlation between features shows): the distinct cells visited against the number expected
  for as many rows drawn from the training distribution (sum over cells of 1 - (1 - p_cell)^m).
  Uniform probing visits far more cells; a moved population, concentrated elsewhere, does not;
- probe steps: the share of its rows that change exactly one continuous feature of the row
  before (with three or more present in both), or move them by at most `NEAR` of their
  training range each:
  sweeps and boundary searches are made of such steps, independent customers (and retries of
  the same row) almost never;
- volume: rows scored in the last `window_seconds` (per-second buckets, so memory is fixed).

A token is suspicious when its coverage or its share of probe steps passes its limit; either
needs `min_rows` rows. The share of rows in *rare* cells (those that together hold at most
`tail_mass` of the training rows, plus rows outside the training range) is measured and
reported, but is no reason: a population that moved lands there too, and monitoring (drift,
refusals) is where that belongs. Volume alone is a reason, not a suspicion: the token-bucket
rate limit already caps it. The recommended throttle halves a suspicious token's rate, and more
when it is also over the volume limit. Limits: an attacker who owns data like the training data
and replays it slowly looks normal, as does one who spreads a sweep's steps over many tokens.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelward.errors import InputError
from modelward.serving.grid import ReferenceGrid

STEP_SHARE = 0.3  # probe steps in a token's last rows past which it is probing
NEAR = 0.02  # of a feature's training range: a move this small on every feature is a probe step
ONE_FEATURE_FROM = 3  # features needed before "changed one feature" tells a probe from a client
MIN_DISTINCT = 20  # reference values a feature needs to count as continuous for probe steps
BUCKETS = 60  # volume buckets per window
WINDOW_SECONDS = 60.0  # the volume window
MEMORY_ROWS = 1_000  # a caller's last rows judged for coverage
# Grid cells of rows, which are rare, and which are probe steps from the row before.
Cells = tuple[NDArray[np.int64], NDArray[np.bool_], NDArray[np.bool_]]


@dataclass(frozen=True)
class ExtractionAssessment:
    """One token's recent traffic judged for extraction; `throttle_factor` 1.0 means none."""

    token_id: str
    volume: int
    rows: int
    cells_visited: int
    coverage: float
    ood_share: float
    expected_ood_share: float
    step_share: float
    score: float
    suspicious: bool
    reasons: tuple[str, ...]
    throttle_factor: float

    def to_json(self) -> dict[str, Any]:
        return {
            "token_id": self.token_id,
            "volume": self.volume,
            "rows": self.rows,
            "cells_visited": self.cells_visited,
            "coverage": round(self.coverage, 4),
            "ood_share": round(self.ood_share, 4),
            "expected_ood_share": round(self.expected_ood_share, 4),
            "step_share": round(self.step_share, 4),
            "score": round(self.score, 4),
            "suspicious": self.suspicious,
            "reasons": list(self.reasons),
            "throttle_factor": round(self.throttle_factor, 4),
        }


@dataclass
class _Token:
    """A token's fixed-size memory: a ring of its last rows' cells and per-second volumes."""

    cells: NDArray[np.int64]
    rare: NDArray[np.bool_]
    steps: NDArray[np.bool_]
    filled: int = 0
    head: int = 0
    buckets: deque[list[float]] = field(default_factory=deque)  # [bucket start, rows]
    last: NDArray[np.float64] | None = None  # the newest row seen: the next one steps from it

    def push(self, found: Cells) -> None:
        size = self.cells.size
        cells, rare, steps = (part[-size:] for part in found)
        slots = (self.head + np.arange(cells.size)) % size
        self.cells[slots], self.rare[slots], self.steps[slots] = cells, rare, steps
        self.head = int((self.head + cells.size) % size)
        self.filled = min(size, self.filled + cells.size)

    def kept(self) -> Cells:
        """Copies of the remembered rows' cells, rarity and probe steps (ring order)."""
        n = self.filled
        return self.cells[:n].copy(), self.rare[:n].copy(), self.steps[:n].copy()

    def count(self, rows: int, at: float, width: float) -> None:
        start = math.floor(at / width) * width
        if self.buckets and self.buckets[-1][0] >= start:
            self.buckets[-1][1] += rows  # out-of-order times join the newest bucket
        else:
            self.buckets.append([start, float(rows)])
        while self.buckets and self.buckets[0][0] + width <= at - width * BUCKETS:
            self.buckets.popleft()

    def volume(self, now: float, window: float) -> int:
        # A bucket straddling the window's start counts whole: at most one bucket too many.
        width = window / BUCKETS
        return int(sum(rows for start, rows in self.buckets if start + width > now - window))


class ExtractionMonitor:
    """Per-token extraction detector over a reference (training) sample.

    Thread-safe: `observe` and `assess` may be called from any thread. The monitor owns its
    per-token state, bounded by `memory_rows` rows and `BUCKETS` volume buckets per token and by
    `max_tokens` tokens (the least recently seen is forgotten first). No I/O anywhere; raises
    InputError for a reference or rows of the wrong shape.
    """

    def __init__(
        self,
        reference: NDArray[np.float64],
        *,
        columns: tuple[int, ...] | None = None,
        bins: int = 5,
        tail_mass: float = 0.01,
        window_seconds: float = WINDOW_SECONDS,
        volume_limit: int = 3_000,
        memory_rows: int = MEMORY_ROWS,
        min_rows: int = 100,
        coverage_limit: float = 1.5,
        max_tokens: int = 10_000,
    ) -> None:
        _positive(
            window_seconds=window_seconds,
            volume_limit=volume_limit,
            memory_rows=memory_rows,
            min_rows=min_rows,
            max_tokens=max_tokens,
        )
        if coverage_limit <= 1:
            raise InputError.field("coverage_limit", coverage_limit, "a ratio > 1, e.g. 1.5")
        self.grid = ReferenceGrid.fit(reference, columns=columns, bins=bins, tail_mass=tail_mass)
        self.window_seconds = window_seconds
        self.volume_limit = volume_limit
        self.memory_rows = memory_rows
        self.min_rows = min_rows
        self.coverage_limit = coverage_limit
        self.max_tokens = max_tokens
        width = self.grid.high - self.grid.low
        # A feature without a usable range (constant, all missing) only counts when it is equal.
        self._scale = np.where(np.isfinite(width) & (width > 0), width, 0.0)
        self._continuous = _continuous(np.asarray(reference, dtype=np.float64))
        self._tokens: OrderedDict[str, _Token] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """The number of tokens currently remembered."""
        return len(self._tokens)

    def observe(self, token_id: str, features: NDArray[np.float64], at: float) -> Cells:
        """Record that `token_id` had the rows `features` (n x d, encoded) scored at time `at`;
        the rows' grid cells and whether each is rare (what replicas share to judge together)."""
        if not math.isfinite(at):
            raise InputError.field("at", at, "a finite time in seconds")
        cells, rare = self.grid.encode(features)  # outside the lock: the costly part
        rows = np.asarray(features, dtype=np.float64).reshape(cells.size, -1)
        with self._lock:
            token = self._tokens.pop(token_id, None) or self._new_token()
            self._tokens[token_id] = token  # now the most recently seen
            while len(self._tokens) > self.max_tokens:
                self._tokens.popitem(last=False)
            steps = probe_steps(rows, token.last, self._scale, self._continuous)
            if rows.shape[0]:
                token.last = rows[-1].copy()
            found = (cells, rare, steps)
            token.push(found)
            token.count(cells.size, at, self.window_seconds / BUCKETS)
        return found

    def assess(self, token_id: str, now: float) -> ExtractionAssessment:
        """Judge `token_id`'s recent traffic; a token never seen gets a clean assessment."""
        with self._lock:
            token = self._tokens.get(token_id)
            if token is None:
                empty = np.zeros(0, np.bool_)
                found: Cells = (np.zeros(0, np.int64), empty, empty)
                volume = 0
            else:
                found = token.kept()
                volume = token.volume(now, self.window_seconds)
        return self.judge(token_id, found, volume)

    def _new_token(self) -> _Token:
        flags = np.zeros(self.memory_rows, np.bool_)
        return _Token(cells=np.zeros(self.memory_rows, np.int64), rare=flags, steps=flags.copy())

    def judge(self, token_id: str, found: Cells, volume: int) -> ExtractionAssessment:
        """The assessment of a caller whose last rows fell in `found`'s cells (rare where the
        grid is, and probe steps where marked), with `volume` rows in the window: `assess` on
        remembered traffic, or on what several replicas remembered together."""
        cells, rare, steps = found
        m = cells.size
        visited = int(np.unique(cells).size)
        coverage = visited / self.grid.expected_cells(m) if m else 0.0
        share = float(rare.mean()) if m else 0.0
        stepped = float(steps.mean()) if m else 0.0
        reasons: list[str] = []
        score = 0.0
        if m >= self.min_rows:
            score = max(0.0, (coverage - 1) / (self.coverage_limit - 1), stepped / STEP_SHARE)
            if coverage >= self.coverage_limit:
                reasons.append(
                    f"coverage: {visited:,} grid cells visited by the last {m:,} "
                    f"rows, {coverage:.1f}x what training-like traffic visits"
                )
            if stepped >= STEP_SHARE:
                reasons.append(
                    f"probing: {stepped:.0%} of the last {m:,} rows change one feature of "
                    f"the row before or barely move it (sweeps, boundary searches)"
                )
        suspicious = bool(reasons)
        if volume > self.volume_limit:
            reasons.append(
                f"volume: {volume:,} rows in the last {self.window_seconds:g} s "
                f"(limit {self.volume_limit:,})"
            )
        return ExtractionAssessment(
            token_id=token_id,
            volume=volume,
            rows=m,
            cells_visited=visited,
            coverage=coverage,
            ood_share=share,
            expected_ood_share=self.grid.rare_mass,
            step_share=stepped,
            score=score,
            suspicious=suspicious,
            reasons=tuple(reasons),
            throttle_factor=self._throttle(suspicious, score, volume),
        )

    def _throttle(self, suspicious: bool, score: float, volume: int) -> float:
        if not suspicious:
            return 1.0
        over = max(1.0, volume / self.volume_limit)
        return max(0.05, min(0.5, 1.0 / max(score, 1.0)) / over)


def probe_steps(
    rows: NDArray[np.float64],
    previous: NDArray[np.float64] | None,
    scale: NDArray[np.float64],
    continuous: NDArray[np.bool_],
) -> NDArray[np.bool_]:
    """Per row, over the `continuous` features both it and the row before it have: does it
    change exactly one of them (at least `ONE_FEATURE_FROM` present), or move them, each by at
    most `NEAR` of its `scale`? Flags and counts are left out: independent customers often
    differ in one continuous feature alone when all else is a few yes/no columns. The same row
    again (a retry) is no step, nor is a token's first row."""
    n = rows.shape[0]
    if n == 0 or not continuous.any():
        return np.zeros(n, np.bool_)
    now = rows[:, continuous]
    before = np.empty_like(now)
    before[1:] = now[:-1]
    before[0] = np.nan if previous is None else previous[continuous]
    present = ~np.isnan(now) & ~np.isnan(before)
    with np.errstate(invalid="ignore"):
        moved = present & (now != before)
        near = ~present | ~moved | (np.abs(now - before) <= NEAR * scale[continuous])
    changed = moved.sum(axis=1)
    steps = near.all(axis=1) & (changed > 0) & (present.sum(axis=1) > 0)
    steps |= (changed == 1) & (present.sum(axis=1) >= ONE_FEATURE_FROM)
    if previous is None:
        steps[0] = False
    return np.asarray(steps, dtype=np.bool_)


def _continuous(reference: NDArray[np.float64]) -> NDArray[np.bool_]:
    """The features with at least `MIN_DISTINCT` values in the reference: measurements, not
    flags or small counts."""
    matrix = reference.reshape(reference.shape[0], -1)
    distinct = [np.unique(col[~np.isnan(col)]).size for col in matrix.T]
    return np.array([n >= MIN_DISTINCT for n in distinct], dtype=np.bool_)


def _positive(**options: float) -> None:
    for name, value in options.items():
        if not value > 0:
            raise InputError.field(name, value, "a positive number")
