"""Choosing the method and the number of segments: good separation that holds up on resampling.

Every candidate (method, k) is fitted on the search rows (a fixed-seed sample of at most
`search_rows`, else all rows) and scored by

- separation: the silhouette of its labels on a fixed-seed sample of at most `silhouette_rows`
  of them (one distance matrix shared by every candidate);
- stability: subsampling stability (Ben-Hur, Elisseeff and Guyon, 2002; Lange et al., 2004):
  the mean adjusted Rand index between the candidate's labels and those of the same method
  refitted on `resamples` random subsets of `resample_share` of the rows (drawn without
  replacement, the same subsets for every candidate), compared on the rows of each subset.

Rule: among candidates with stability >= `min_stability` whose smallest segment holds at least
`min_share` of the rows (and MIN_SEGMENT_ROWS rows), the best silhouette. When none qualifies,
a candidate without a tiny segment comes before one with, and among those the most stable wins.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from sklearn.metrics import adjusted_rand_score, pairwise_distances, silhouette_score

from modelward.errors import InputError
from modelward.training.segment.model import Method, fit_kmeans, fit_mixture

SEED_RANGE = 2**31 - 1
MIN_SEGMENT_ROWS = 5  # on few rows, a segment of fewer rows than this is as tiny as 2%


@dataclass(frozen=True)
class SegmentOptions:
    """How segmentations are searched. Defaults suit a few thousand to millions of rows."""

    min_segments: int = 2
    max_segments: int = 8
    methods: tuple[Method, ...] = (Method.KMEANS, Method.GMM)
    seed: int = 0
    min_stability: float = 0.75
    min_share: float = 0.02
    resamples: int = 10
    resample_share: float = 0.8
    silhouette_rows: int = 3000
    search_rows: int = 4000
    n_init: int = 1  # k-means starts per search fit (sklearn's default); the final fit uses 4

    def check(self) -> None:
        """InputError naming the first option out of range."""
        if self.min_segments < 2:
            raise InputError.field("min_segments", self.min_segments, "at least 2")
        if self.max_segments < self.min_segments:
            raise InputError.field(
                "max_segments", self.max_segments, f"at least min_segments ({self.min_segments})"
            )
        if not self.methods:
            raise InputError.field("method", "none", "auto, kmeans or gmm")
        if not 0.0 <= self.min_stability <= 1.0:
            raise InputError.field("min_stability", self.min_stability, "a number from 0 to 1")
        if not 0.0 <= self.min_share < 0.5:
            raise InputError.field("min_share", self.min_share, "a share from 0 to below 0.5")
        if self.resamples < 1 or not 0.1 <= self.resample_share < 1.0:
            shown = f"{self.resamples} x {self.resample_share}"
            raise InputError.field("resamples", shown, "at least 1 subset of 10% to 99% of rows")


@dataclass(frozen=True)
class Candidate:
    method: Method
    k: int
    silhouette: float
    stability: float
    min_share: float
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method.value,
            "k": self.k,
            "silhouette": self.silhouette,
            "stability": self.stability,
            "min_share": self.min_share,
            "seconds": self.seconds,
        }


@dataclass(frozen=True)
class Choice:
    """Every candidate scored, in search order; the chosen one; why, in one sentence (`reason`).

    `start`: the k-means centers (k, d) the chosen candidate was fitted from on the search rows;
    the final fit on every row starts there, so it refines the segmentation that was judged.
    """

    candidates: tuple[Candidate, ...]
    chosen: Candidate
    reason: str
    start: np.ndarray = field(repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "candidates": [c.to_json() for c in self.candidates],
            "chosen": self.chosen.to_json(),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class _Search:
    """The rows every candidate is judged on, drawn once."""

    points: np.ndarray
    distances: np.ndarray  # among the silhouette sample
    sample: np.ndarray  # the silhouette sample's positions in `points`
    subsets: tuple[np.ndarray, ...]
    seeds: tuple[int, ...]  # one per fit: the full one, then one per subset


def choose_segmentation(points: np.ndarray, options: SegmentOptions) -> Choice:
    """Score every candidate on `points` (encoded rows) and pick one by the rule above."""
    options.check()
    search = _prepare(points, options)
    ks = _candidate_ks(search.points, options)
    scored, starts = _score(search, ks, options)
    candidates = tuple(scored)
    floor = max(options.min_share, MIN_SEGMENT_ROWS / search.points.shape[0])
    chosen, why = pick_candidate(candidates, replace(options, min_share=floor))
    reason = f"{chosen.method.shown} with {chosen.k} segments: {why}."
    return Choice(candidates, chosen, reason, starts[chosen.k])


def _prepare(points: np.ndarray, options: SegmentOptions) -> _Search:
    rng = np.random.default_rng(options.seed)
    rows = _sample(rng, points.shape[0], options.search_rows)
    searched = points[rows]
    n = searched.shape[0]
    sample = _sample(rng, n, options.silhouette_rows)
    size = max(round(options.resample_share * n), 2)
    subsets = tuple(np.sort(rng.choice(n, size, replace=False)) for _ in range(options.resamples))
    seeds = tuple(int(s) for s in rng.integers(SEED_RANGE, size=options.resamples + 1))
    distances = pairwise_distances(searched[sample])
    return _Search(searched, distances, sample, subsets, seeds)


def _sample(rng: np.random.Generator, n: int, at_most: int) -> np.ndarray:
    if n <= at_most:
        return np.arange(n)
    return np.sort(rng.choice(n, at_most, replace=False))


def _candidate_ks(points: np.ndarray, options: SegmentOptions) -> range:
    distinct = int(np.unique(points, axis=0).shape[0])
    top = min(options.max_segments, distinct)
    if top < options.min_segments:
        raise InputError.field(
            "min_segments",
            options.min_segments,
            f"at most {distinct}: the data has only {distinct} distinct row(s) to segment",
        )
    return range(options.min_segments, top + 1)


def _score(
    search: _Search, ks: range, options: SegmentOptions
) -> tuple[list[Candidate], dict[int, np.ndarray]]:
    """Candidates in order k, then method; and per k, the k-means centers on all search rows."""
    scored, starts = [], {}
    for k in ks:
        fits = [_fit(search.points, rows, k, seed, options) for rows, seed in _fits(search)]
        starts[k] = fits[0].centers
        for method in options.methods:
            started = time.perf_counter()
            labels = [fit.labels[method] for fit in fits]
            candidate = _candidate(search, method, k, labels)
            fitting = sum(fit.seconds[method] for fit in fits)
            seconds = fitting + time.perf_counter() - started
            scored.append(replace(candidate, seconds=round(seconds, 3)))
    return scored, starts


def _fits(search: _Search) -> list[tuple[np.ndarray | None, int]]:
    """The fit on all search rows (rows None), then one per subset, each with its seed."""
    rows: list[np.ndarray | None] = [None, *search.subsets]
    return list(zip(rows, search.seeds, strict=True))


@dataclass(frozen=True)
class _Fit:
    labels: dict[Method, np.ndarray]
    seconds: dict[Method, float]
    centers: np.ndarray  # k-means


def _fit(
    points: np.ndarray, rows: np.ndarray | None, k: int, seed: int, options: SegmentOptions
) -> _Fit:
    """Labels of `points[rows]` by each method; a mixture starts from the k-means centers
    (sklearn's own start), whose time counts for k-means only."""
    data = points if rows is None else points[rows]
    started = time.perf_counter()
    means = fit_kmeans(data, k, seed=seed, n_init=options.n_init)
    labels = {Method.KMEANS: means.labels_.astype(np.int64)}
    seconds = {Method.KMEANS: time.perf_counter() - started}
    if Method.GMM in options.methods:
        started = time.perf_counter()
        mixture = fit_mixture(data, means, seed=seed)
        labels[Method.GMM] = mixture.predict(data).astype(np.int64)
        seconds[Method.GMM] = time.perf_counter() - started
    return _Fit(labels, seconds, means.cluster_centers_)


def _candidate(search: _Search, method: Method, k: int, labels: list[np.ndarray]) -> Candidate:
    full = labels[0]
    aris = [
        adjusted_rand_score(full[rows], own)
        for rows, own in zip(search.subsets, labels[1:], strict=True)
    ]
    shares = np.bincount(full, minlength=k) / full.shape[0]
    return Candidate(
        method,
        k,
        silhouette=round(_silhouette(search, full), 4),
        stability=round(float(np.mean(aris)), 4),
        min_share=round(float(shares.min()), 4),
        seconds=0.0,
    )


def _silhouette(search: _Search, labels: np.ndarray) -> float:
    sampled = labels[search.sample]
    distinct = np.unique(sampled).shape[0]
    if not 2 <= distinct < sampled.shape[0]:
        return -1.0  # undefined: as bad as a silhouette gets
    return float(silhouette_score(search.distances, sampled, metric="precomputed"))


def pick_candidate(
    candidates: tuple[Candidate, ...], options: SegmentOptions
) -> tuple[Candidate, str]:
    """The candidate the rule picks, and why (the end of `Choice.reason`)."""
    stable = [c for c in candidates if c.stability >= options.min_stability]
    roomy = [c for c in candidates if c.min_share >= options.min_share]
    both = [c for c in stable if c.min_share >= options.min_share]
    floor = f"resampling stability >= {options.min_stability:g}"
    tiny = f"a segment under {options.min_share:.0%} of rows"
    if both:
        best = max(both, key=lambda c: c.silhouette)
        why = f"the best silhouette ({best.silhouette:.2f}) of the {len(both)} candidate(s) "
        return best, why + f"with {floor} and no segment under {options.min_share:.0%} of rows"
    if roomy:
        best = max(roomy, key=lambda c: c.stability)
        why = f"no candidate without {tiny} reached {floor}, so the most stable one"
        return best, f"{why} ({best.stability:.2f})"
    if stable:
        best = max(stable, key=lambda c: c.silhouette)
        why = f"every candidate has {tiny}, so the best silhouette ({best.silhouette:.2f})"
        return best, f"{why} of those with {floor}"
    best = max(candidates, key=lambda c: c.stability)
    why = f"every candidate has {tiny} and none reached {floor}, so the most stable one"
    return best, f"{why} ({best.stability:.2f})"
