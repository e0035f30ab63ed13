"""A segmentation as a registered model: its manifest, loading, scoring frames and records."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.registry.records import Bundle
from modelward.spec.model import Task
from modelward.training.scorer import load_scorer
from modelward.training.segment.fit import SegmentFit
from modelward.training.segment.predictor import SegmentPredictor, segment_manifest
from modelward.training.target import Target

LABELS = ["segment 1", "segment 2", "segment 3"]


@pytest.fixture(scope="module")
def manifest(
    blob_fit: SegmentFit, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    return segment_manifest(
        blob_fit.segmentation,
        frame=blob_frame[0],
        metric="silhouette",
        score=blob_fit.quality.silhouette,
        outcome="churn",
        quality=blob_fit.quality,
    )


@pytest.fixture(scope="module")
def predictor(manifest: tuple[dict[str, Any], dict[str, bytes]]) -> SegmentPredictor:
    # Through JSON, as the registry stores it.
    scorer = load_scorer(Bundle(json.loads(json.dumps(manifest[0])), manifest[1]))
    assert isinstance(scorer, SegmentPredictor)
    return scorer


def test_manifest_describes_the_model(manifest: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    data, files = manifest
    assert files == {}
    assert data["format"] == "modelward.segments/1"
    assert Target.from_json(data["target"]) == Target("segment", Task.SEGMENT, tuple(LABELS))
    assert data["output_schema"]["columns"][0] == {"name": "prediction", "classes": LABELS}
    assert data["output_schema"]["columns"][1] == {"name": "proba_segment 1", "dtype": "Float64"}
    schema = data["input_schema"]
    assert [c["name"] for c in schema["columns"]] == ["spend", "visits", "plan", "mobile"]
    assert schema["columns"][3] == {"name": "mobile", "kind": "numeric", "dtype": "Int64"}
    assert "churn" in schema["known"]
    assert schema["target"] == "segment"
    assert (data["metric"], data["cv_score"]) == ("silhouette", pytest.approx(0.8, abs=0.2))
    segments = data["segments"]
    assert segments["outcome"] == "churn"
    assert segments["quality"]["segments"] == 3
    assert "churn rate" in segments["profiles"][2]["summary"]


def test_predict_reproduces_the_training_segments(
    predictor: SegmentPredictor, blob_fit: SegmentFit, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> None:
    frame = blob_frame[0]
    out = predictor.predict(frame)
    assert out.columns == ["prediction", *(f"proba_{label}" for label in LABELS)]
    assert out["prediction"].to_list() == [LABELS[i] for i in blob_fit.labels]
    proba = predictor.predict_array(frame)
    assert np.array_equal(out.drop("prediction").to_numpy(), proba)
    assert predictor.runtimes == ["segments"]
    assert predictor.decision is None
    assert predictor.target.is_classification


def test_records_score_as_the_frame(
    predictor: SegmentPredictor, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> None:
    frame = blob_frame[0].head(20)
    scored = predictor.predict_records(frame.to_dicts())
    expected = predictor.predict(frame)
    assert scored.prediction == tuple(expected["prediction"].to_list())
    assert np.allclose(scored.raw, predictor.predict_array(frame))
    assert scored.engine == "polars"
    assert not scored.raw.flags.writeable
    assert predictor.predict_records([]).raw.shape == (0, 3)


def test_bad_input_named(
    predictor: SegmentPredictor, blob_frame: tuple[pl.DataFrame, np.ndarray]
) -> None:
    frame = blob_frame[0].head(5)
    with pytest.raises(InputError, match=r"missing required column\(s\) 'spend'"):
        predictor.predict(frame.drop("spend"))
    extra = frame.with_columns(pl.lit(1).alias("zzz"))
    with pytest.raises(InputError, match=r"unknown column\(s\) 'zzz'; remove them"):
        predictor.predict(extra)
    assert predictor.predict(extra, ignore_extra=True).height == 5
    records = frame.to_dicts()
    del records[1]["plan"]
    with pytest.raises(InputError, match=r"records\[1\]: missing required field\(s\) 'plan'"):
        predictor.predict_records(records)
    records = frame.to_dicts()
    records[2]["spend"] = "lots"
    with pytest.raises(InputError, match=r"records\[2\]\.spend: got 'lots'; expected a number"):
        predictor.predict_records(records)


def test_other_bundles_refused(manifest: tuple[dict[str, Any], dict[str, bytes]]) -> None:
    data = {**manifest[0], "format": "modelward.bundle/1"}
    with pytest.raises(ValueError, match=r"not a segments bundle: format 'modelward\.bundle/1'"):
        SegmentPredictor.from_bundle(Bundle(data, {}))
