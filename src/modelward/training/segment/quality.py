"""How good a segmentation is, as facts evaluation reports and gates can read.

- silhouette (-1..1, higher is better): on a fixed-seed sample of at most `SAMPLE_ROWS` rows;
- davies_bouldin (>= 0, lower is better) and calinski_harabasz (> 0, higher is better): on
  every row;
- stability (ARI, up to 1): from the search (see `choose`);
- min_segment_share: the smallest segment's share of rows; segments: k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from modelward.training.segment.model import Method

SAMPLE_ROWS = 3000


@dataclass(frozen=True)
class Quality:
    method: Method
    segments: int
    silhouette: float
    davies_bouldin: float
    calinski_harabasz: float
    stability: float
    min_segment_share: float

    def facts(self) -> dict[str, float]:
        """Every measure as a number, by name (the method is not a number: see `to_json`)."""
        return {
            "silhouette": self.silhouette,
            "davies_bouldin": self.davies_bouldin,
            "calinski_harabasz": self.calinski_harabasz,
            "stability": self.stability,
            "min_segment_share": self.min_segment_share,
            "segments": float(self.segments),
        }

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method.value, **self.facts(), "segments": self.segments}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Quality:
        return cls(
            Method(data["method"]),
            int(data["segments"]),
            float(data["silhouette"]),
            float(data["davies_bouldin"]),
            float(data["calinski_harabasz"]),
            float(data["stability"]),
            float(data["min_segment_share"]),
        )


def measure_quality(
    points: np.ndarray, labels: np.ndarray, *, method: Method, k: int, stability: float, seed: int
) -> Quality:
    """The facts of `labels` (segment indices 0..k-1) of encoded `points`."""
    shares = np.bincount(labels, minlength=k) / max(labels.shape[0], 1)
    distinct = int(np.unique(labels).shape[0])
    if not 2 <= distinct < labels.shape[0]:
        # Every row in one segment: no separation to measure.
        return Quality(method, k, -1.0, 0.0, 0.0, stability, float(shares.min()))
    rows = _sample(labels, seed)
    return Quality(
        method,
        k,
        silhouette=round(_silhouette(points[rows], labels[rows]), 4),
        davies_bouldin=round(float(davies_bouldin_score(points, labels)), 4),
        calinski_harabasz=round(float(calinski_harabasz_score(points, labels)), 2),
        stability=stability,
        min_segment_share=round(float(shares.min()), 4),
    )


def _sample(labels: np.ndarray, seed: int) -> np.ndarray:
    n = labels.shape[0]
    if n <= SAMPLE_ROWS:
        return np.arange(n)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, SAMPLE_ROWS, replace=False))


def _silhouette(points: np.ndarray, labels: np.ndarray) -> float:
    if not 2 <= np.unique(labels).shape[0] < labels.shape[0]:
        return -1.0
    return float(silhouette_score(points, labels))
