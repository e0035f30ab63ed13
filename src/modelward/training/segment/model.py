"""A fitted segmentation: which segment each row falls in, and how strongly it belongs to each.

Two methods, both stored as plain numbers (no pickle):

- k-means: `centers`; a row's membership is a softmax of minus its squared distances to the
  centers over a temperature `2 * sigma^2`, where sigma^2 is the within-segment variance per
  encoded column at training (the posterior of equal spherical Gaussians around the centers), so
  the most probable segment is always the nearest center;
- Gaussian mixture (diagonal covariance): `centers` are the means, with `variances` and
  `weights`; a row's membership is the mixture's posterior.

Segments are numbered by size at training, largest first: "segment 1" is the largest.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import polars as pl
from sklearn.cluster import KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture

from modelward.training.segment.encode import SegmentEncoder

REG_COVAR = 1e-2  # variance floor on the unit scale of encoded columns: 0/1 blocks stay soft
MAX_ITER = 100
FINAL_STARTS = 4  # k-means++ draws of a final fit given no start


class Method(StrEnum):
    KMEANS = "kmeans"
    GMM = "gmm"

    @property
    def shown(self) -> str:
        return "k-means" if self is Method.KMEANS else "Gaussian mixture"

    @classmethod
    def choices(cls, name: str) -> tuple[Method, ...]:
        """The methods a spec's `method` names: "auto" is both."""
        return (cls.KMEANS, cls.GMM) if name == "auto" else (cls(name),)


def segment_label(index: int) -> str:
    """The label people see for the segment at `index` (0-based): "segment 1", ..."""
    return f"segment {index + 1}"


@dataclass(frozen=True, eq=False)
class Segmentation:
    """A fitted segmentation; immutable and thread-safe. Compare with `to_json()`.

    `centers` (k, d), `variances` (k, d) and `weights` (k,) are read-only arrays; `variances`
    and `weights` are only used by a Gaussian mixture, `temperature` only by k-means.
    """

    encoder: SegmentEncoder
    method: Method
    centers: np.ndarray
    variances: np.ndarray
    weights: np.ndarray
    temperature: float

    @property
    def k(self) -> int:
        return int(self.centers.shape[0])

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(segment_label(i) for i in range(self.k))

    def assign(
        self, frame: pl.DataFrame, *, ignore_extra: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's segment index (int64, 0 = "segment 1") and memberships (n, k)."""
        return self.assign_matrix(self.encoder.transform(frame, ignore_extra=ignore_extra))

    def assign_matrix(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`assign` of rows the encoder already gave."""
        scores = self._log_scores(points)
        labels = scores.argmax(axis=1).astype(np.int64)
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return labels, scores

    def _log_scores(self, points: np.ndarray) -> np.ndarray:
        """Unnormalized log memberships (n, k)."""
        if self.method is Method.KMEANS:
            # A row's own squared norm is the same for every center: softmax and argmax drop it.
            scores: np.ndarray = points @ (self.centers.T * (2.0 / self.temperature))
            scores -= np.sum(self.centers**2, axis=1) / self.temperature
            return scores
        precision = 1.0 / self.variances
        quadratic = (points**2) @ precision.T - 2.0 * points @ (self.centers * precision).T
        constant = np.sum(self.centers**2 * precision + np.log(2.0 * math.pi * self.variances), 1)
        scores = np.log(self.weights) - 0.5 * (quadratic + constant)
        return scores

    def to_json(self) -> dict[str, Any]:
        return {
            "encoder": self.encoder.to_json(),
            "method": self.method.value,
            "centers": self.centers.tolist(),
            "variances": self.variances.tolist(),
            "weights": self.weights.tolist(),
            "temperature": self.temperature,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segmentation:
        return cls(
            SegmentEncoder.from_json(data["encoder"]),
            Method(data["method"]),
            _frozen(data["centers"]),
            _frozen(data["variances"]),
            _frozen(data["weights"]),
            float(data["temperature"]),
        )


def fit_segmentation(
    encoder: SegmentEncoder,
    points: np.ndarray,
    method: Method,
    k: int,
    *,
    seed: int,
    start: np.ndarray | None = None,
) -> tuple[Segmentation, np.ndarray]:
    """`method` with `k` segments fitted on `points` (rows `encoder` gave), largest first, and
    the fitted model's own labels of `points` (0 = the largest segment).

    k-means starts from `start` (k, d) when given (the centers of the candidate the search
    judged), else from FINAL_STARTS k-means++ draws.
    """
    means = fit_kmeans(points, k, seed=seed, n_init=FINAL_STARTS, start=start)
    if method is Method.KMEANS:
        # sigma^2: the maximum-likelihood variance of equal spherical Gaussians at the centers.
        sigma2 = max(float(means.inertia_) / points.size, 1e-12)
        centers = means.cluster_centers_
        ones, even = np.ones_like(centers), np.full(k, 1.0 / k)
        fitted = Segmentation(encoder, method, centers, ones, even, 2.0 * sigma2)
        return _largest_first(fitted, means.labels_)
    mixture = fit_mixture(points, means, seed=seed)
    fitted = Segmentation(
        encoder, method, mixture.means_, mixture.covariances_, mixture.weights_, 1.0
    )
    return _largest_first(fitted, mixture.predict(points))


def fit_kmeans(
    points: np.ndarray, k: int, *, seed: int, n_init: int, start: np.ndarray | None = None
) -> KMeans:
    """k-means from `n_init` k-means++ draws, or from the centers `start` only."""
    init: Any = "k-means++" if start is None else start
    means = KMeans(
        k,
        init=init,
        n_init=1 if start is not None else n_init,
        random_state=seed,
        max_iter=MAX_ITER,
    )
    with warnings.catch_warnings():
        # Fewer distinct rows than k: sklearn warns and still fits; the caller caps k.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return means.fit(points)


def fit_mixture(points: np.ndarray, means: KMeans, *, seed: int) -> GaussianMixture:
    """A diagonal Gaussian mixture started from a k-means fit of the same `points`.

    sklearn starts a mixture from k-means too, but would run its own; every starting value is
    given here (the cheap "random" start is then overridden), so no second k-means runs.
    """
    k = means.cluster_centers_.shape[0]
    weights, variances = _cluster_moments(points, means.labels_, means.cluster_centers_)
    mixture = GaussianMixture(
        k,
        covariance_type="diag",
        reg_covar=REG_COVAR,
        max_iter=MAX_ITER,
        init_params="random",
        weights_init=weights,
        means_init=means.cluster_centers_,
        precisions_init=1.0 / variances,
        random_state=seed,
    )
    with warnings.catch_warnings():
        # Not converged in MAX_ITER steps: the last estimate is still a fair segmentation.
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mixture.fit(points)


def _cluster_moments(
    points: np.ndarray, labels: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each cluster's share of rows, and its per-column variance (floored like the mixture's)."""
    k = centers.shape[0]
    counts = np.bincount(labels, minlength=k).astype(np.float64)
    squares = np.zeros_like(centers)
    np.add.at(squares, labels, (points - centers[labels]) ** 2)
    variances = squares / np.maximum(counts, 1.0)[:, None] + REG_COVAR
    weights = np.maximum(counts, 1.0) / np.maximum(counts, 1.0).sum()
    return weights, variances


def _largest_first(fitted: Segmentation, labels: np.ndarray) -> tuple[Segmentation, np.ndarray]:
    sizes = np.bincount(labels, minlength=fitted.k)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty(fitted.k, dtype=np.int64)
    rank[order] = np.arange(fitted.k)
    ordered = Segmentation(
        fitted.encoder,
        fitted.method,
        _frozen(fitted.centers[order]),
        _frozen(fitted.variances[order]),
        _frozen(fitted.weights[order]),
        fitted.temperature,
    )
    return ordered, rank[labels]


def _frozen(values: Any) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    array.flags.writeable = False
    return array
