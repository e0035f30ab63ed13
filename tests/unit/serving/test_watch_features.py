"""The extraction watch reads a tick's requests in one go, as it read each value one by one."""

from __future__ import annotations

import numpy as np
import polars as pl

from modelward.serving.watch import _features, _number, _stacked

COLUMNS = ("tenure", "monthly_charges")


def _one_by_one(records: list[dict[str, object]]) -> np.ndarray:
    rows = [[_number(record.get(c)) for c in COLUMNS] for record in records]
    return np.array(rows, dtype=np.float64).reshape(len(records), len(COLUMNS))


def test_any_json_value_reads_as_one_value_at_a_time() -> None:
    records: list[dict[str, object]] = [
        {"tenure": 1, "monthly_charges": 20.5},
        {"tenure": None, "monthly_charges": " 30.25 "},  # null and numeric text
        {"tenure": True, "monthly_charges": "n/a"},  # true/false read 1/0; other text is NaN
        {"tenure": 10**400, "monthly_charges": {"nested": 1}},  # past float's range; an object
        {"monthly_charges": 5},  # a field not sent
    ]
    for record in records:
        assert np.array_equal(_features([record], COLUMNS), _one_by_one([record]), equal_nan=True)
    assert np.array_equal(_features(records, COLUMNS), _one_by_one(records), equal_nan=True)


def test_a_tick_keeps_request_order_across_json_and_frame_bodies() -> None:
    first = [{"tenure": 1, "monthly_charges": 2.0}]
    frame = pl.DataFrame({"tenure": [3, 4], "monthly_charges": [5.0, 6.0]})
    last = [{"tenure": 7, "monthly_charges": 8.0}, {"tenure": 9, "monthly_charges": 10.0}]
    found = _stacked([first, frame, last], COLUMNS)
    assert found.tolist() == [[1, 2], [3, 5], [4, 6], [7, 8], [9, 10]]
    assert _stacked([], COLUMNS).shape == (0, 2)
