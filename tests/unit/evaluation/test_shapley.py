"""Local explanations in probability space: the ensemble's own SHAP values, checked against
shap's exact interventional Shapley values of the same model over the same background."""

from __future__ import annotations

import importlib
import warnings
from typing import Any

import numpy as np
import polars as pl
import pytest

from modelward.evaluation import shapley
from modelward.evaluation.explain import explain_local, native_predictor
from modelward.evaluation.shapley import probability_shap
from tests.unit.evaluation.test_explain import make_bundle, rdata

COLUMNS = ("tenure", "monthly_charges", "contract", "internet_service", "churn")


def _shap() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module("shap")


@pytest.fixture(scope="module")
def small() -> pl.DataFrame:
    return rdata("modeldata", "wa_churn", rows=800).select(COLUMNS)


@pytest.mark.parametrize("exact", [True, False])
def test_contributions_match_exact_shapley_values_of_the_probability(
    small: pl.DataFrame, exact: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not exact:  # sample feature orders, as a model with many features does
        monkeypatch.setattr(shapley, "EXACT_FEATURES", 0)
    bundle = make_bundle(small, "churn", [("lightgbm", {}, 0.6), ("linear", {}, 0.4)])
    predictor = native_predictor(bundle)
    features = [c.name for c in predictor.schema.columns]
    background = predictor.schema.conform(small.tail(60), ignore_extra=True)
    rows = predictor.schema.conform(small.head(4), ignore_extra=True)
    found = probability_shap(predictor, rows, background)
    assert (found.orders == 0) is exact  # four features: every coalition evaluated
    levels = {c: sorted(set(small[c].to_list())) for c in ("contract", "internet_service")}

    def encode(frame: pl.DataFrame) -> np.ndarray:
        cols = [
            [levels[c].index(v) for v in frame[c].to_list()] if c in levels else frame[c].to_list()
            for c in features
        ]
        return np.array(cols, dtype=float).T

    def model(x: np.ndarray) -> np.ndarray:
        series = [
            pl.Series(c, [levels[c][int(v)] for v in x[:, j]])
            if c in levels
            else pl.Series(c, x[:, j]).cast(background.schema[c])
            for j, c in enumerate(features)
        ]
        return predictor.predict_array(pl.DataFrame(series))[:, 1]

    shap = _shap()
    explainer = shap.ExactExplainer(model, shap.maskers.Independent(encode(background), 60))
    truth = explainer(encode(rows))
    assert found.base[0] == pytest.approx(float(truth.base_values[0]), abs=1e-9)
    assert found.background_rows == 60
    tolerance = 1e-9 if exact else max(4 * found.error, 1e-3)
    np.testing.assert_allclose(found.values[:, :, 0], truth.values, atol=tolerance)
    # The sum is exact for every row: base plus contributions is the prediction.
    predicted = predictor.predict_array(rows)[:, 1]
    np.testing.assert_allclose(found.base[0] + found.values[:, :, 0].sum(axis=1), predicted)


def test_a_local_explanation_starts_at_the_mean_prediction(small: pl.DataFrame) -> None:
    bundle = make_bundle(small, "churn", [("lightgbm", {}, 1.0)])
    local = explain_local(bundle, small.head(3), background=small)
    predictor = native_predictor(bundle)
    sample = predictor.schema.conform(small, ignore_extra=True).sample(100, seed=0)
    assert local.base[0, 0] == pytest.approx(float(predictor.predict_array(sample)[:, 1].mean()))
    np.testing.assert_allclose(local.prediction[:, 0], predictor.predict_array(small.head(3))[:, 1])
    assert "SHAP values of the model's own output" in local.methods[0]
    row = local.row(0)
    assert row.base + sum(c.contribution for c in row.contributions) == pytest.approx(
        row.prediction
    )
