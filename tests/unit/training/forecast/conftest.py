"""Models fitted once per session: Chicago (three years) and the two synthetic shops."""

from __future__ import annotations

import polars as pl
import pytest

from modelward.training.forecast.model import ForecastModel
from modelward.training.forecast.series import check_series
from tests.unit.training.forecast.data import CHICAGO, FAST, SHOPS, chicago, shops

CHICAGO_DAYS = 3 * 365


@pytest.fixture(scope="session")
def chicago_frame() -> pl.DataFrame:
    return chicago(CHICAGO_DAYS)


@pytest.fixture(scope="session")
def chicago_model(chicago_frame: pl.DataFrame) -> ForecastModel:
    """Fitted on all but the last horizon of the three years."""
    history = chicago_frame.head(chicago_frame.height - CHICAGO.horizon)
    return ForecastModel.fit(check_series(history, CHICAGO), seed=0, threads=1, settings=FAST)


@pytest.fixture(scope="session")
def shops_model() -> ForecastModel:
    return ForecastModel.fit(check_series(shops(), SHOPS), seed=0, threads=1, settings=FAST)
