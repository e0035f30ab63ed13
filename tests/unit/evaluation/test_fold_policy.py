"""The evidence sentence says how the folds were cut where it was not at random."""

from __future__ import annotations

from modelward.evaluation.report import _fold_policy
from modelward.training.setup import SearchSetup


def test_random_folds_say_nothing_more() -> None:
    assert _fold_policy(None, None) == ""


def test_group_folds_name_the_group() -> None:
    assert _fold_policy("customer_id", None) == ", all rows of one `customer_id` in the same fold"


def test_time_ordered_folds_name_the_time_column() -> None:
    assert _fold_policy(None, "month").startswith(", time-ordered by `month`: trained on the past")


def test_a_run_logs_the_columns_its_folds_were_cut_by() -> None:
    logged = {k: str(v) for k, v in SearchSetup(group_column="store").to_params().items()}
    assert (logged["group_column"], logged["time_column"]) == ("store", "None")
    read = SearchSetup.from_params(logged)
    assert (read.group_column, read.time_column, read.folds_logged) == ("store", None, True)


def test_a_run_from_before_says_nothing_of_its_folds() -> None:
    older = SearchSetup.from_params({"seed": "0"})
    assert older.folds_logged is False
    assert "group_column" not in older.to_params()
