"""Segment profiles: sizes, the traits that set each segment apart, the outcome, in words."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.training.segment.fit import SegmentFit, fit_segments
from modelward.training.segment.profiles import describe_segments
from tests.unit.training.segment.conftest import FAST


def test_sizes_traits_and_outcome_in_words(blob_fit: SegmentFit) -> None:
    first, second, third = blob_fit.profiles
    assert (first.size, second.size, third.size) == (300, 200, 100)
    assert first.share == 0.5
    assert first.summary.startswith("segment 1: 300 rows (50%): ")
    # The middle-sized group is the mobile, 'plus' one; the smallest spends least.
    assert "mobile more often (100% vs 33%)" in second.summary
    assert "plan plus (100% vs 33%)" in second.summary
    assert "low spend (median 30.1 vs 44.8)" in third.summary
    # Churn: 60% in the smallest group, 10% in the middle one, against about 27% overall.
    assert third.outcome is not None
    assert third.outcome.kind == "outcome_rate"
    assert third.outcome.level == "Yes"
    assert third.outcome.lift is not None
    assert third.outcome.lift > 1.8
    assert "churn rate 2." in third.summary
    assert "× the average (" in third.summary
    assert second.outcome is not None
    assert second.outcome.lift is not None
    assert second.outcome.lift < 0.6


def test_traits_are_structured_for_pages(blob_fit: SegmentFit) -> None:
    profile = blob_fit.profiles[1]
    assert 1 <= len(profile.traits) <= 4
    plan = next(t for t in profile.traits if t.columns == ("plan",))
    assert plan.kind == "level"
    assert plan.level == "plus"
    assert plan.segment_value == 1.0
    assert plan.lift == pytest.approx(3.0)
    assert plan.overall_value == pytest.approx(1 / 3)
    assert plan.z > 1.0
    assert json.loads(json.dumps([p.to_json() for p in blob_fit.profiles]))[1]["label"] == (
        "segment 2"
    )


def test_columns_with_the_same_pattern_read_as_one_trait(
    blob_frame: tuple[pl.DataFrame, np.ndarray],
) -> None:
    frame = blob_frame[0]
    for name in ("tv", "music", "news"):
        copy = (
            pl.when(pl.col("plan") == "basic").then(pl.lit("no service")).otherwise(pl.lit("yes"))
        )
        frame = frame.with_columns(copy.alias(name))
    fit = fit_segments(frame, outcome="churn", options=FAST)
    smallest = fit.profiles[-1]
    merged = next(t for t in smallest.traits if t.level == "no service")
    assert merged.columns == ("tv", "music", "news")
    assert merged.words == "tv, music and 1 more: no service (100% vs 17%)"


def test_numeric_and_text_outcomes(
    blob_fit: SegmentFit, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> None:
    frame, truth = blob_frame
    frame = frame.with_columns(
        pl.Series("revenue", np.array([100.0, 20.0, 50.0])[truth]),
        pl.Series("tier", np.array(["gold", "silver", "bronze"])[truth].tolist()),
    )
    revenue = describe_segments(blob_fit.segmentation, frame, outcome="revenue")
    smallest = revenue[-1].outcome
    assert smallest is not None
    assert smallest.kind == "outcome_mean"
    assert smallest.words == "revenue mean 2.1× the average (100 vs 48.3)"
    tier = describe_segments(blob_fit.segmentation, frame, outcome="tier")[1].outcome
    assert tier is not None
    assert tier.words == "tier silver 3.0× the average (100% vs 33%)"


def test_outcome_must_be_a_column(
    blob_fit: SegmentFit, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> None:
    with pytest.raises(InputError, match="outcome: got 'revenue'; expected one of the data's"):
        describe_segments(blob_fit.segmentation, blob_frame[0], outcome="revenue")
