"""Baselines: seasonal naive repeats the last season; Holt-Winters recovers a clean series."""

from __future__ import annotations

import numpy as np
import pytest

from modelward.training.forecast.baselines import fit_holt_winters, naive_scale, seasonal_naive


def test_seasonal_naive_repeats_the_last_season() -> None:
    values = np.arange(20.0)
    assert seasonal_naive(values, 7, 10).tolist() == [13, 14, 15, 16, 17, 18, 19, 13, 14, 15]
    assert seasonal_naive(np.array([1.0, 2.0]), 7, 3).tolist() == [2, 2, 2]


def test_naive_scale_falls_back_when_a_season_back_is_exact() -> None:
    weekly = np.tile([1.0, 2, 3, 4, 5, 6, 7], 4)
    assert naive_scale(weekly + np.arange(28.0), 7) == 7.0
    assert naive_scale(weekly, 7) == pytest.approx(np.mean(np.abs(np.diff(weekly))))
    assert naive_scale(np.ones(30), 7) == 1.0


def test_holt_winters_recovers_trend_and_season() -> None:
    t = np.arange(200.0)
    pattern = np.array([5.0, -2, -1, 0, 1, 2, -5])
    values = 50 + 0.2 * t + pattern[t.astype(int) % 7]
    model = fit_holt_winters(values, 7)
    future = np.arange(200.0, 214.0)
    expected = 50 + 0.2 * future + pattern[future.astype(int) % 7]
    assert np.abs(model.forecast(14) - expected).max() < 0.1
    assert 0 <= model.alpha <= 1
    assert 0 <= model.beta <= model.alpha


def test_holt_winters_needs_two_seasons() -> None:
    with pytest.raises(ValueError, match="needs two seasons"):
        fit_holt_winters(np.ones(10), 7)
