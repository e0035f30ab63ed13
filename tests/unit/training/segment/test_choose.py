"""Choosing k and the method: known groups found, the rule applied, the same answer every time."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from modelward.errors import InputError
from modelward.training.segment.choose import Candidate, SegmentOptions, pick_candidate
from modelward.training.segment.fit import SegmentFit, fit_segments
from modelward.training.segment.model import Method
from tests.unit.training.segment.conftest import FAST, blobs


def test_well_separated_blobs_are_recovered(
    blob_frame: tuple[pl.DataFrame, np.ndarray], blob_fit: SegmentFit
) -> None:
    frame, truth = blob_frame
    assert blob_fit.choice.chosen.k == 3
    labels, membership = blob_fit.segmentation.assign(frame)
    assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)
    assert blob_fit.choice.chosen.stability == pytest.approx(1.0)
    assert membership.shape == (frame.height, 3)
    reason = blob_fit.choice.reason
    assert reason.endswith(".")
    assert "with 3 segments: the best silhouette" in reason


def test_candidates_cover_every_method_and_k(blob_fit: SegmentFit) -> None:
    seen = [(c.method, c.k) for c in blob_fit.choice.candidates]
    assert seen == [(m, k) for k in range(2, 6) for m in (Method.KMEANS, Method.GMM)]
    for candidate in blob_fit.choice.candidates:
        assert -1.0 <= candidate.silhouette <= 1.0
        assert candidate.seconds >= 0.0


def test_deterministic_for_a_seed(blob_frame: tuple[pl.DataFrame, np.ndarray]) -> None:
    frame = blob_frame[0]
    options = replace(FAST, seed=7, max_segments=4)
    first, second = (fit_segments(frame, options=options) for _ in range(2))
    assert first.segmentation.to_json() == second.segmentation.to_json()
    assert _without_time(first) == _without_time(second)
    assert first.quality == second.quality


def _without_time(fit: SegmentFit) -> list[Candidate]:
    return [replace(c, seconds=0.0) for c in fit.choice.candidates]


def test_one_method_only() -> None:
    frame, truth = blobs(rows=40, seed=3)
    options = replace(FAST, methods=Method.choices("gmm"), max_segments=4)
    fit = fit_segments(frame, outcome="churn", options=options)
    assert {c.method for c in fit.choice.candidates} == {Method.GMM}
    assert fit.segmentation.method is Method.GMM
    assert fit.choice.reason.startswith("Gaussian mixture with 3 segments")
    labels, _ = fit.segmentation.assign(frame)
    assert adjusted_rand_score(truth, labels) == pytest.approx(1.0)


def _candidate(k: int, silhouette: float, stability: float, min_share: float) -> Candidate:
    return Candidate(Method.KMEANS, k, silhouette, stability, min_share, 0.0)


def test_rule_best_silhouette_among_stable_without_tiny_segments() -> None:
    options = SegmentOptions()
    candidates = (
        _candidate(2, 0.30, 0.70, 0.40),  # best silhouette, not stable
        _candidate(3, 0.25, 0.90, 0.01),  # stable, a tiny segment
        _candidate(4, 0.20, 0.80, 0.10),
        _candidate(5, 0.22, 0.76, 0.05),
    )
    chosen, why = pick_candidate(candidates, options)
    assert chosen.k == 5
    assert why.startswith("the best silhouette (0.22) of the 2 candidate(s) with resampling")


def test_rule_falls_back_to_the_most_stable() -> None:
    options = SegmentOptions()
    unstable = (_candidate(2, 0.30, 0.50, 0.40), _candidate(3, 0.10, 0.60, 0.30))
    chosen, why = pick_candidate(unstable, options)
    assert chosen.k == 3
    assert "so the most stable one (0.60)" in why
    tiny = (_candidate(2, 0.30, 0.90, 0.01), _candidate(3, 0.40, 0.80, 0.01))
    chosen, why = pick_candidate(tiny, options)
    assert chosen.k == 3
    assert why.startswith("every candidate has a segment under 2% of rows")
    neither = (_candidate(2, 0.30, 0.50, 0.01), _candidate(3, 0.40, 0.40, 0.01))
    assert pick_candidate(neither, options)[0].k == 2


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (SegmentOptions(min_segments=1), "min_segments: got 1; expected at least 2"),
        (SegmentOptions(min_segments=4, max_segments=3), "max_segments: got 3; expected at least"),
        (SegmentOptions(min_stability=1.5), "min_stability: got 1.5; expected a number from 0"),
        (SegmentOptions(methods=()), "method: got 'none'"),
        (SegmentOptions(resample_share=1.0), "resamples: got '10 x 1.0'"),
    ],
)
def test_options_out_of_range_named(options: SegmentOptions, message: str) -> None:
    frame, _ = blobs(rows=10)
    with pytest.raises(InputError, match=message):
        fit_segments(frame, options=options)


def test_fewer_distinct_rows_than_segments_refused() -> None:
    frame = pl.DataFrame({"a": [1.0, 2.0] * 20, "b": ["x", "y"] * 20})
    with pytest.raises(InputError, match=r"min_segments: got 3; expected at most 2: .*2 distinct"):
        fit_segments(frame, options=SegmentOptions(min_segments=3))


def test_few_rows_with_gaps_segment_without_tiny_segments() -> None:
    rng = np.random.default_rng(0)
    frame = pl.DataFrame(
        {
            "amount": [None, float("inf"), *rng.normal(size=18).tolist()],
            "plan": ["x", "y"] * 10,
            "paperless": [True, False, None, True] * 5,
        }
    )
    fit = fit_segments(frame)
    assert min(p.size for p in fit.profiles) >= 5
    assert "no segment under 25% of rows" in fit.choice.reason
