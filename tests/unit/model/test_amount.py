"""Money as people read it: no scientific notation, a fraction of a cent says so."""

from __future__ import annotations

import pytest

from modelward.model import amount


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_234_567.8, "1,234,568"),
        (100.0, "100"),
        (5.5, "5.50"),
        (0.0, "0.00"),
        (0.01, "0.01"),
        (8.5e-11, "<0.01"),
        (-4e-06, ">-0.01"),
        (-42.25, "-42.25"),
    ],
)
def test_amounts(value: float, text: str) -> None:
    assert amount(value) == text
