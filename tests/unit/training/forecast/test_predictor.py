"""A forecast model as a Scorer: its manifest, loading from a bundle, frames and records."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.registry.records import Bundle
from modelward.spec.model import Task
from modelward.training.features import ColumnKind
from modelward.training.forecast.model import ForecastModel
from modelward.training.forecast.predictor import ForecastPredictor, forecast_manifest
from modelward.training.scorer import Scorer, load_scorer
from tests.unit.training.forecast.data import CHICAGO, SHOPS
from tests.unit.training.forecast.test_model import shop_future


@pytest.fixture(scope="module")
def chicago_bundle(chicago_model: ForecastModel) -> Bundle:
    manifest, files = forecast_manifest(chicago_model, CHICAGO, metric="wape", score=0.05)
    return Bundle(manifest, files)


def test_manifest(chicago_bundle: Bundle) -> None:
    manifest = chicago_bundle.manifest
    assert manifest["format"] == "modelward.forecast/1"
    assert manifest["target"] == {"column": "ridership", "task": "forecast", "classes": []}
    assert manifest["metric"] == "wape"
    assert manifest["cv_score"] == 0.05
    schema = manifest["input_schema"]
    assert schema["columns"][0] == {"name": "date", "kind": "datetime", "dtype": "String"}
    assert len(schema["columns"]) == 1 + len(CHICAGO.covariates)
    assert schema["known"] == ["date", "ridership", *CHICAGO.covariates]
    assert [c["name"] for c in manifest["output_schema"]["columns"]] == [
        "prediction",
        "lower",
        "upper",
    ]
    assert manifest["forecast"]["intervals"]["level"] == 0.8


def test_loaded_scorer_predicts_as_the_model(
    chicago_bundle: Bundle, chicago_model: ForecastModel, chicago_frame: pl.DataFrame
) -> None:
    scorer = load_scorer(chicago_bundle)
    assert isinstance(scorer, ForecastPredictor)
    assert as_scorer(scorer) is scorer
    assert scorer.target.task is Task.FORECAST
    assert scorer.runtimes == ["lightgbm"]
    assert scorer.decision is None
    future = chicago_frame.tail(14).drop("ridership")
    out = scorer.predict(future)
    assert out.columns == ["prediction", "lower", "upper"]
    expected = chicago_model.forecast(None, future)
    assert np.array_equal(out["prediction"].to_numpy(), expected["prediction"].to_numpy())
    assert np.array_equal(scorer.predict_array(future), expected["prediction"].to_numpy())
    unknown = chicago_frame.tail(14).with_columns(pl.lit(None, pl.Float64).alias("ridership"))
    assert scorer.predict(unknown).equals(out)  # rows without an actual are forecast
    extra = future.with_columns(Austin=pl.lit(1.0))  # another station's same-day ridership
    with pytest.raises(InputError, match=r"unknown column\(s\) 'Austin'"):
        scorer.predict(extra)
    assert scorer.predict(extra, ignore_extra=True).equals(out)


def test_records_score_as_the_frame(chicago_bundle: Bundle, chicago_frame: pl.DataFrame) -> None:
    scorer = ForecastPredictor.from_bundle(chicago_bundle)
    future = chicago_frame.tail(14).head(3).drop("ridership")
    scored = scorer.predict_records(future.to_dicts())
    assert scored.engine == "polars"
    assert scored.prediction == tuple(scorer.predict(future)["prediction"].to_list())
    assert not scored.raw.flags.writeable


def test_records_with_actuals_are_history(
    chicago_bundle: Bundle, chicago_frame: pl.DataFrame
) -> None:
    """Records carrying the target's value move the series on; only the others are forecast."""
    scorer = ForecastPredictor.from_bundle(chicago_bundle)
    days = chicago_frame.with_columns(pl.col("date").str.to_date())
    newer = days.tail(28).with_columns(pl.col("date") + pl.duration(days=14))  # 14 days on
    later = days.tail(14).with_columns(
        pl.col("date") + pl.duration(days=28), pl.lit(None, pl.Float64).alias("ridership")
    )
    text = pl.col("date").cast(pl.String)  # as JSON clients send dates
    records = pl.concat([newer, later]).with_columns(text).to_dicts()
    scored = scorer.predict_records(records)
    assert np.isnan(scored.raw[:28]).all()
    assert not np.isnan(scored.raw[28:]).any()
    assert scored.bounds is not None
    assert (scored.bounds[28:, 0] <= scored.raw[28:]).all()
    records[3]["ridership"] = "lots"
    with pytest.raises(InputError, match=r"records\[3\]\.ridership: got 'lots'"):
        scorer.predict_records(records)


def test_a_record_missing_a_field_is_named(
    chicago_bundle: Bundle, chicago_frame: pl.DataFrame
) -> None:
    scorer = ForecastPredictor.from_bundle(chicago_bundle)
    records = chicago_frame.tail(2).drop("ridership").to_dicts()
    del records[1]["temp"]
    with pytest.raises(InputError, match=r"records\[1\]\.temp: missing"):
        scorer.predict_records(records)
    with pytest.raises(InputError, match=r"records\[0\]: got 3; expected an object"):
        scorer.predict_records([3])  # type: ignore[list-item]


def test_groups_and_text_covariates_through_the_schema(shops_model: ForecastModel) -> None:
    manifest, files = forecast_manifest(shops_model, SHOPS, metric="wape", score=0.1)
    scorer = ForecastPredictor.from_bundle(Bundle(manifest, files))
    kinds = {c.name: c.kind for c in scorer.schema.columns}
    assert kinds == {
        "day": ColumnKind.DATETIME,
        "shop": ColumnKind.CATEGORICAL,
        "promo": ColumnKind.BOOLEAN,
        "channel": ColumnKind.CATEGORICAL,
    }
    records: list[dict[str, object]] = [
        {"day": "2016-05-03", "shop": "small", "promo": "yes", "channel": "web"},
        {"day": "2016-05-03", "shop": "big", "promo": False, "channel": "store"},
    ]
    values = scorer.predict_records(records).prediction
    frame = shop_future(1).with_columns(
        promo=pl.Series([False, True]), channel=pl.Series(["store", "web"])
    )
    direct = shops_model.forecast(None, frame)["prediction"].to_list()
    assert values == (direct[1], direct[0])
    with pytest.raises(InputError, match=r"records\[0\]\.promo: got 'perhaps'"):
        scorer.predict_records([{**records[0], "promo": "perhaps"}])
    with pytest.raises(InputError, match="is 8 days after the history's end"):
        scorer.predict_records([{**records[0], "day": dt.date(2016, 5, 10).isoformat()}])


def as_scorer(predictor: ForecastPredictor) -> Scorer:
    return predictor  # mypy checks here that a ForecastPredictor is a Scorer


def test_a_foreign_bundle_is_refused() -> None:
    with pytest.raises(ValueError, match="not a forecast bundle"):
        ForecastPredictor.from_bundle(Bundle({"format": "modelward.bundle/1"}, {}))
