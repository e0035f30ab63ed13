"""Model-extraction (model stealing) detection per API token.

Someone copying a model through its API needs labels over the whole input space: they send many
synthetic queries (uniform draws over the feature ranges, grid sweeps, points probing the
decision boundary), at volume. Normal traffic follows the training distribution instead. So per
token we watch two things:

- volume: rows scored in the last `window_seconds` (per-second buckets, so memory is fixed);
- where its last `memory_rows` rows fall on a coarse quantile grid of the reference (training)
  sample, over the few most continuous features (joint cells, so breaking the correlation
  between features shows): the share in *rare* cells, those that together hold at most
  `tail_mass` of the training rows (plus rows outside the training range), against that same
  mass; and the number of distinct cells visited against the number expected for as many rows
  drawn from the training distribution (sum over cells of 1 - (1 - p_cell)^m).

A token is suspicious when its rows fall in rare cells far more often than training rows do, or
cover markedly more cells; either needs `min_rows` rows. Volume alone is a reason, not a
suspicion: the token-bucket rate limit already caps it, and a heavy batch client sending real
traffic is not stealing. The recommended throttle halves a suspicious token's rate, and more when
it is also over the volume limit. Limits: an attacker who owns data like the training data and
replays it slowly looks normal; nothing here sees the model's decision boundary.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import stats

from modelward.errors import InputError
from modelward.serving.grid import ReferenceGrid

SIGNIFICANCE = 1e-6  # binomial tail below which a rare-cell share is not chance (many looks)
OOD_MARGIN = 0.1  # and it must also exceed the training share by this much: practical relevance
BUCKETS = 60  # volume buckets per window
WINDOW_SECONDS = 60.0  # the volume window
MEMORY_ROWS = 1_000  # a caller's last rows judged for coverage
Cells = tuple[NDArray[np.int64], NDArray[np.bool_]]  # grid cells of rows, and which are rare


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
    filled: int = 0
    head: int = 0
    buckets: deque[list[float]] = field(default_factory=deque)  # [bucket start, rows]

    def push(self, cells: NDArray[np.int64], rare: NDArray[np.bool_]) -> None:
        size = self.cells.size
        cells, rare = cells[-size:], rare[-size:]
        slots = (self.head + np.arange(cells.size)) % size
        self.cells[slots], self.rare[slots] = cells, rare
        self.head = int((self.head + cells.size) % size)
        self.filled = min(size, self.filled + cells.size)

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
        with self._lock:
            token = self._tokens.pop(token_id, None) or self._new_token()
            self._tokens[token_id] = token  # now the most recently seen
            while len(self._tokens) > self.max_tokens:
                self._tokens.popitem(last=False)
            token.push(cells, rare)
            token.count(cells.size, at, self.window_seconds / BUCKETS)
        return cells, rare

    def assess(self, token_id: str, now: float) -> ExtractionAssessment:
        """Judge `token_id`'s recent traffic; a token never seen gets a clean assessment."""
        with self._lock:
            token = self._tokens.get(token_id)
            if token is None:
                cells, rare, volume = np.zeros(0, np.int64), np.zeros(0, np.bool_), 0
            else:
                cells = token.cells[: token.filled].copy()
                rare = token.rare[: token.filled].copy()
                volume = token.volume(now, self.window_seconds)
        return self.judge(token_id, cells, rare, volume)

    def _new_token(self) -> _Token:
        cells = np.zeros(self.memory_rows, np.int64)
        return _Token(cells=cells, rare=np.zeros(self.memory_rows, np.bool_))

    def judge(
        self, token_id: str, cells: NDArray[np.int64], rare: NDArray[np.bool_], volume: int
    ) -> ExtractionAssessment:
        """The assessment of a caller whose last rows fell in `cells` (`rare` where the grid
        is rare), with `volume` rows in the window: `assess` on remembered traffic, or on
        what several replicas remembered together."""
        m = cells.size
        visited = int(np.unique(cells).size)
        coverage = visited / self.grid.expected_cells(m) if m else 0.0
        share = float(rare.mean()) if m else 0.0
        expected = self.grid.rare_mass
        reasons: list[str] = []
        score = 0.0
        if m >= self.min_rows:
            score = max(
                0.0, (share - expected) / OOD_MARGIN, (coverage - 1) / (self.coverage_limit - 1)
            )
            if self._rare_excess(int(rare.sum()), m):
                reasons.append(
                    f"out-of-distribution: {share:.0%} of the last {m:,} rows fall "
                    f"where the training data holds {expected:.1%} of its rows"
                )
            if coverage >= self.coverage_limit:
                reasons.append(
                    f"coverage: {visited:,} grid cells visited by the last {m:,} "
                    f"rows, {coverage:.1f}x what training-like traffic visits"
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
            expected_ood_share=expected,
            score=score,
            suspicious=suspicious,
            reasons=tuple(reasons),
            throttle_factor=self._throttle(suspicious, score, volume),
        )

    def _rare_excess(self, k: int, m: int) -> bool:
        expected = self.grid.rare_mass
        # Never test against a zero probability: one rare row would be "infinitely unlikely".
        p = max(expected, 1.0 / self.grid.rows)
        return k / m >= expected + OOD_MARGIN and float(stats.binom.sf(k - 1, m, p)) < SIGNIFICANCE

    def _throttle(self, suspicious: bool, score: float, volume: int) -> float:
        if not suspicious:
            return 1.0
        over = max(1.0, volume / self.volume_limit)
        return max(0.05, min(0.5, 1.0 / max(score, 1.0)) / over)


def _positive(**options: float) -> None:
    for name, value in options.items():
        if not value > 0:
            raise InputError.field(name, value, "a positive number")
