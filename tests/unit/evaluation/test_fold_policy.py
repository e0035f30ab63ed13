"""The evidence sentence says how the folds were cut where it was not at random."""

from __future__ import annotations

from modelward.evaluation.report import _fold_policy
from modelward.spec import parse_spec


def test_random_folds_say_nothing_more() -> None:
    assert _fold_policy(parse_spec({"name": "p", "target": "y"})) == ""


def test_group_folds_name_the_group() -> None:
    spec = parse_spec({"name": "p", "target": "y", "group_column": "customer_id"})
    assert _fold_policy(spec) == ", all rows of one `customer_id` in the same fold"


def test_time_ordered_folds_name_the_time_column() -> None:
    spec = parse_spec({"name": "p", "target": "y", "time_column": "month"})
    assert _fold_policy(spec).startswith(", time-ordered by `month`: trained on the past")
