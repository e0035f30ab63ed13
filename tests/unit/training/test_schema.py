"""The input schema: missing, unknown and mistyped columns are named; good input is conformed."""

from __future__ import annotations

import polars as pl
import pytest

from modelward.errors import InputError
from modelward.training.features import plan_features
from modelward.training.schema import InputSchema, build_schema


@pytest.fixture
def schema() -> InputSchema:
    frame = pl.DataFrame(
        {
            "tenure": [i % 25 for i in range(60)],
            "contract": ["a", "b", "c"] * 20,
            "paperless": [True, False] * 30,
            "churn": ["Yes", "No"] * 30,
        }
    )
    return build_schema(frame, plan_features(frame, target="churn"), "churn")


def test_round_trip(schema: InputSchema) -> None:
    assert InputSchema.from_json(schema.to_json()) == schema


def test_conform_casts_text_to_what_training_saw(schema: InputSchema) -> None:
    frame = pl.DataFrame({"tenure": ["3", " 4"], "contract": [1, 2], "paperless": ["yes", "F"]})
    out = schema.conform(frame)
    assert out["tenure"].to_list() == [3.0, 4.0]
    assert out["contract"].to_list() == ["1", "2"]
    assert out["paperless"].to_list() == [True, False]


def test_missing_columns_are_all_named(schema: InputSchema) -> None:
    with pytest.raises(InputError, match="missing required column\\(s\\) 'tenure', 'paperless'"):
        schema.conform(pl.DataFrame({"contract": ["a"]}))


def test_unknown_columns_refused_unless_ignored(schema: InputSchema) -> None:
    frame = pl.DataFrame({"tenure": [1], "contract": ["a"], "paperless": [True], "zzz": [0]})
    with pytest.raises(InputError, match=r"unknown column\(s\) 'zzz'.*--ignore-extra"):
        schema.conform(frame)
    assert schema.conform(frame, ignore_extra=True).columns == ["tenure", "contract", "paperless"]
    # The target is a known column: passing it along is fine.
    schema.conform(frame.drop("zzz").with_columns(pl.lit("Yes").alias("churn")))


def test_wrong_type_names_column_and_value(schema: InputSchema) -> None:
    frame = pl.DataFrame(
        {"tenure": ["3", "many"], "contract": ["a", "b"], "paperless": [True, None]}
    )
    with pytest.raises(InputError, match="input column 'tenure': got 'many'; expected numbers"):
        schema.conform(frame)
    bad_bool = frame.with_columns(
        pl.Series("tenure", [1, 2]), pl.Series("paperless", ["maybe", "yes"])
    )
    with pytest.raises(InputError, match="'paperless': got 'maybe'; expected true/false values"):
        schema.conform(bad_bool)
