"""Task detection and target encoding: the right task, the positive class, clear refusals."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.spec.model import Task
from modelward.training.target import Target, detect_target


def test_binary_strings_put_the_positive_looking_label_second() -> None:
    frame = pl.DataFrame({"churn": ["No", "Yes"] * 20})
    target = detect_target(frame, "churn")
    assert target.task is Task.BINARY
    assert target.classes == ("No", "Yes")
    assert target.positive == "Yes"
    assert target.encode(frame["churn"]).tolist()[:2] == [0, 1]


def test_spec_positive_label_wins() -> None:
    frame = pl.DataFrame({"y": ["stay", "leave"] * 20})
    assert detect_target(frame, "y", positive="stay").classes == ("leave", "stay")


def test_booleans_encode_consistently() -> None:
    frame = pl.DataFrame({"y": [True, False] * 20})
    target = detect_target(frame, "y")
    assert target.classes == (False, True)
    assert target.encode(frame["y"]).tolist()[:2] == [1, 0]


def test_few_integers_are_classes_many_floats_are_quantities() -> None:
    classes = pl.DataFrame({"y": [1, 2, 3] * 10})
    assert detect_target(classes, "y").task is Task.MULTICLASS
    values = pl.DataFrame({"y": np.linspace(0, 1, 50)})
    target = detect_target(values, "y")
    assert target.task is Task.REGRESSION
    assert target.encode(values["y"]).dtype == np.float64


def test_override_is_checked() -> None:
    frame = pl.DataFrame({"y": ["a", "b", "c"] * 10})
    with pytest.raises(InputError, match="--task: got 'binary'; expected two classes"):
        detect_target(frame, "y", task=Task.BINARY)
    with pytest.raises(InputError, match="a numeric target"):
        detect_target(frame, "y", task=Task.REGRESSION)


def test_one_class_is_refused_naming_it() -> None:
    frame = pl.DataFrame({"churn": ["No"] * 30})
    with pytest.raises(InputError, match="every row is 'No' \\(one class\\)"):
        detect_target(frame, "churn")


def test_all_missing_target_is_refused() -> None:
    frame = pl.DataFrame({"churn": pl.Series([None] * 30, dtype=pl.String), "x": range(30)})
    with pytest.raises(InputError, match="all 30 are missing"):
        detect_target(frame, "churn")


def test_too_few_rows_and_unknown_column() -> None:
    with pytest.raises(InputError, match="1 row\\(s\\) with a target value"):
        detect_target(pl.DataFrame({"y": [1.5]}), "y")
    with pytest.raises(InputError, match="--target: got 'nope'"):
        detect_target(pl.DataFrame({"y": [1.5]}), "nope")


def test_round_trip() -> None:
    target = Target("y", Task.MULTICLASS, ("a", "b", "c"))
    assert Target.from_json(target.to_json()) == target
