"""Segmenting a frame in one call: encode, choose, fit on every row, measure, describe."""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from threadpoolctl import threadpool_limits

from modelward.training.segment.choose import Choice, SegmentOptions, choose_segmentation
from modelward.training.segment.encode import fit_encoder
from modelward.training.segment.model import Segmentation, fit_segmentation
from modelward.training.segment.profiles import SegmentProfile, describe_segments
from modelward.training.segment.quality import Quality, measure_quality


@dataclass(frozen=True)
class SegmentFit:
    """The fitted segmentation, how it was chosen, how good it is, and its segments in words.

    `labels` are the training rows' segments (0 = "segment 1") as the fitted model gave them.
    """

    segmentation: Segmentation
    labels: np.ndarray
    choice: Choice
    quality: Quality
    profiles: tuple[SegmentProfile, ...]
    seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "choice": self.choice.to_json(),
            "quality": self.quality.to_json(),
            "profiles": [p.to_json() for p in self.profiles],
            "seconds": self.seconds,
        }


def fit_segments(
    frame: pl.DataFrame,
    *,
    outcome: str | None = None,
    exclude: Collection[str] = (),
    options: SegmentOptions | None = None,
) -> SegmentFit:
    """Segments of `frame`'s rows by every usable column but `outcome` and `exclude`.

    `outcome` (e.g. churn) is never clustered on; the profiles describe it per segment.
    Deterministic for `options.seed`. InputError for too few rows, no usable column or
    options out of range.
    """
    options = options or SegmentOptions()
    options.check()
    started = time.perf_counter()
    encoder = fit_encoder(frame, outcome=outcome, exclude=exclude)
    points = encoder.transform(frame)
    # The fits are many and small: extra threads cost more in start-up and contention (several
    # times the work on a busy 2-core machine) than they save.
    with threadpool_limits(limits=1):
        choice = choose_segmentation(points, options)
        chosen = choice.chosen
        segmentation, labels = fit_segmentation(
            encoder, points, chosen.method, chosen.k, seed=options.seed, start=choice.start
        )
    quality = measure_quality(
        points,
        labels,
        method=chosen.method,
        k=chosen.k,
        stability=chosen.stability,
        seed=options.seed,
    )
    profiles = describe_segments(segmentation, frame, outcome=outcome)
    seconds = round(time.perf_counter() - started, 3)
    return SegmentFit(segmentation, labels, choice, quality, profiles, seconds)
