"""The forecasts a model must beat: seasonal naive, and additive Holt-Winters smoothing.

Holt-Winters is written here (numpy and scipy only) in its error-correction form: with the
one-step error e_t = y_t - (l + b + s_{t-m}),

    l_t = l_{t-1} + b_{t-1} + alpha e_t,   b_t = b_{t-1} + beta e_t,   s_t = s_{t-m} + gamma e_t,

with beta = alpha * beta' and gamma = (1 - alpha) * gamma' for alpha, beta', gamma' in [0, 1]
(the usual admissible region). The three are chosen by L-BFGS-B on the one-step sum of squared
errors over the last `ETS_WINDOW` periods, starting from the first two seasons of that window.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

ETS_WINDOW = 1000  # periods fitted: enough seasons, and a Python loop that stays fast
START = np.array([0.3, 0.1, 0.1])


def seasonal_naive(values: np.ndarray, season: int, horizon: int) -> np.ndarray:
    """The last season repeated: step h forecasts the value one or more seasons before it."""
    last = values[-season:] if values.size >= season else values[-1:]
    return np.asarray([last[h % last.size] for h in range(horizon)], dtype=np.float64)


def naive_scale(values: np.ndarray, season: int) -> float:
    """In-sample mean absolute error of the one-season-back forecast (the MASE scale); the
    one-period-back error where a season back is constant, and 1 where both are."""
    for lag in (season, 1):
        if values.size > lag:
            scale = float(np.mean(np.abs(values[lag:] - values[:-lag])))
            if scale > 0:
                return scale
    return 1.0


@dataclass(frozen=True)
class HoltWinters:
    """Fitted additive Holt-Winters: smoothing weights and the final states.

    `seasonals[i]` is the seasonal term of the period `i + 1` steps after the last one fitted.
    """

    alpha: float
    beta: float
    gamma: float
    level: float
    trend: float
    seasonals: tuple[float, ...]

    def forecast(self, horizon: int) -> np.ndarray:
        steps = np.arange(1, horizon + 1)
        season = np.asarray(self.seasonals)[(steps - 1) % len(self.seasonals)]
        values: np.ndarray = self.level + steps * self.trend + season
        return values


def fit_holt_winters(values: np.ndarray, season: int) -> HoltWinters:
    """Holt-Winters fitted on the last ETS_WINDOW periods (at least two seasons needed)."""
    y = np.asarray(values[-ETS_WINDOW:], dtype=np.float64)
    if y.size < 2 * season:
        raise ValueError(f"Holt-Winters needs two seasons ({2 * season} periods), got {y.size}")
    first, second = y[:season].mean(), y[season : 2 * season].mean()
    start = (float(first), float((second - first) / season), tuple(y[:season] - first))
    found = minimize(
        lambda p: _run(p, y, season, start)[0],
        START,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * 3,
    )
    weights = np.clip(found.x, 0.0, 1.0)
    _, level, trend, seasonals = _run(weights, y, season, start)
    alpha, beta, gamma = _weights(weights)
    return HoltWinters(alpha, beta, gamma, level, trend, seasonals)


def _weights(p: np.ndarray) -> tuple[float, float, float]:
    alpha = float(p[0])
    return alpha, alpha * float(p[1]), (1.0 - alpha) * float(p[2])


def _run(
    p: np.ndarray, y: np.ndarray, season: int, start: tuple[float, float, tuple[float, ...]]
) -> tuple[float, float, float, tuple[float, ...]]:
    """One pass: the one-step SSE and the final level, trend and next season's terms."""
    alpha, beta, gamma = _weights(p)
    level, trend, initial = start
    seasonal = list(initial)
    sse = 0.0
    for t, value in enumerate(y.tolist()):
        i = t % season
        error = value - (level + trend + seasonal[i])
        sse += error * error
        level += trend + alpha * error
        trend += beta * error
        seasonal[i] += gamma * error
    after = y.size % season
    return sse, level, trend, tuple(seasonal[after:] + seasonal[:after])
