"""Real data: wa_churn's 7,043 customers segmented without the churn column, churn described."""

from __future__ import annotations

import numpy as np
import polars as pl

from modelward.training.segment.fit import SegmentFit
from modelward.training.segment.predictor import SegmentPredictor


def test_segments_follow_the_rule(churn_fit: SegmentFit) -> None:
    chosen = churn_fit.choice.chosen
    assert 2 <= chosen.k <= 8
    assert chosen.stability >= 0.75
    assert chosen.min_share >= 0.02
    stable = [c for c in churn_fit.choice.candidates if c.stability >= 0.75 and c.min_share >= 0.02]
    assert chosen.silhouette == max(c.silhouette for c in stable)
    assert len(churn_fit.choice.candidates) == 14
    assert churn_fit.seconds < 30.0  # a few seconds on 2 idle cores; room for a busy machine


def test_ids_and_churn_are_not_clustered(churn_fit: SegmentFit, churn_frame: pl.DataFrame) -> None:
    used = [c.name for c in churn_fit.segmentation.encoder.schema.columns]
    assert "rownames" not in used
    assert "churn" not in used
    assert len(used) == churn_frame.width - 2


def test_quality_facts(churn_fit: SegmentFit) -> None:
    facts = churn_fit.quality.facts()
    assert set(facts) == {
        "silhouette",
        "davies_bouldin",
        "calinski_harabasz",
        "stability",
        "min_segment_share",
        "segments",
    }
    assert 0.0 < facts["silhouette"] <= 1.0
    assert facts["davies_bouldin"] > 0.0
    assert facts["calinski_harabasz"] > 0.0
    assert facts["segments"] == churn_fit.choice.chosen.k
    assert churn_fit.quality.to_json()["method"] == churn_fit.choice.chosen.method.value


def test_profiles_describe_churn(churn_fit: SegmentFit, churn_frame: pl.DataFrame) -> None:
    profiles = churn_fit.profiles
    assert sum(p.size for p in profiles) == churn_frame.height
    assert [p.size for p in profiles] == sorted((p.size for p in profiles), reverse=True)
    for profile in profiles:
        assert profile.traits
        assert profile.outcome is not None
        assert profile.outcome.level == "Yes"
        assert "churn rate " in profile.summary
        assert "× the average (" in profile.summary
    # Churn differs between segments although it was never clustered on.
    rates = [p.outcome.segment_value for p in profiles if p.outcome is not None]
    assert max(rates) - min(rates) > 0.1


def test_scoring_the_training_rows_gives_their_segments(
    churn_fit: SegmentFit, churn_frame: pl.DataFrame
) -> None:
    predictor = SegmentPredictor(churn_fit.segmentation)
    predicted = predictor.predict(churn_frame)["prediction"].to_list()
    labels = churn_fit.segmentation.labels
    assert predicted == [labels[i] for i in churn_fit.labels]
    assert np.allclose(predictor.predict_array(churn_frame).sum(axis=1), 1.0)
