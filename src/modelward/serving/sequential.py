"""Always-valid inference for the difference of two routes' means: the mixture SPRT.

People look at a canary comparison every time they open the dashboard. Re-running a fixed-sample
test at every look and stopping at the first p < 0.05 inflates false positives far beyond 5%
(with a hundred looks, to about a third). We use the mixture sequential probability ratio test
(mSPRT) of Johari, Koomen, Pekelis and Walsh ("Always valid inference", Operations Research 2022),
which is what the large A/B platforms run, rather than an alpha-spending boundary, because:

- it needs no planned maximum sample size (feedback arrives at whatever pace labels come back,
  and nobody knows in advance how long a canary will run);
- its p-value is valid at *any* stopping time, however often and whenever one looks, so the
  service can simply recompute it on each request;
- it is one closed formula, and inverting it gives an always-valid confidence interval.

The estimate is the difference of means, Δ = mean_b - mean_a, with variance V = var_a/n_a +
var_b/n_b. With a normal mixing distribution θ ~ N(0, τ²) over the true difference, the mixture
likelihood ratio against θ = 0 is

    Λ = sqrt(V / (V + τ²)) · exp(τ² Δ² / (2 V (V + τ²)))

and by Ville's inequality P(Λ ever reaches 1/α under the null) ≤ α. We set τ relative to the
per-request spread (τ² = effect² · V · n_eff, with n_eff = 1 / (1/n_a + 1/n_b)), so the test is
scale-free and most powerful for differences near `effect` standard deviations. The
always-valid p-value is the running minimum of 1/Λ over the stream.

Assumptions, stated because they matter: each route's values are given in arrival order and the
split between routes is stable (weighted random routing), so the prefixes we evaluate are the
ones an observer could have seen; variances are plug-in estimates, so the first `burn_in`
observations per route are not used to stop (the simulation test shows the error rate holds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

DEFAULT_EFFECT = 0.1  # mixing sd in per-request standard deviations: about 4 points at 80%
BURN_IN = 30  # observations per route before plug-in variances are trusted to stop

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class SequentialResult:
    """The mSPRT at the current sample: the always-valid p-value (running minimum over the
    stream) and the always-valid confidence interval for mean_b - mean_a at this sample."""

    p_value: float
    ci_low: float
    ci_high: float


def always_valid(
    a: FloatArray,
    b: FloatArray,
    *,
    binary: bool,
    alpha: float = 0.05,
    effect: float = DEFAULT_EFFECT,
    burn_in: int = BURN_IN,
) -> SequentialResult:
    """The always-valid p-value and interval for mean(b) - mean(a), values in arrival order.

    `binary` marks 0/1 outcomes, whose variances are smoothed so that an early run of all
    successes cannot claim zero variance. Before `burn_in` values per route, p is 1 and the
    interval is unbounded.
    """
    path = p_value_path(a, b, binary=binary, effect=effect, burn_in=burn_in)
    p = float(path.min()) if path.size else 1.0
    if min(a.size, b.size) < burn_in:
        return SequentialResult(p_value=p, ci_low=-math.inf, ci_high=math.inf)
    diff, var = _moments(a, b, binary=binary)
    n_eff = 1.0 / (1.0 / a.size + 1.0 / b.size)
    half = math.sqrt(var) * _z_radius(effect * effect * n_eff, alpha)
    return SequentialResult(p_value=p, ci_low=diff - half, ci_high=diff + half)


def p_value_path(
    a: FloatArray,
    b: FloatArray,
    *,
    binary: bool,
    effect: float = DEFAULT_EFFECT,
    burn_in: int = BURN_IN,
) -> FloatArray:
    """The running-minimum always-valid p-value at every look an observer could have made.

    Look k (k = 1 .. max(n_a, n_b)) sees the first ceil(k·n_a/K) values of `a` and
    ceil(k·n_b/K) of `b`: proportional prefixes, exact when the routes grow in step. Looks
    with fewer than `burn_in` values on either route are skipped.
    """
    looks = max(a.size, b.size)
    if looks == 0:
        return np.ones(0)
    k = np.arange(1, looks + 1)
    m_a = np.ceil(k * a.size / looks).astype(np.int64)
    m_b = np.ceil(k * b.size / looks).astype(np.int64)
    keep = (m_a >= max(burn_in, 2)) & (m_b >= max(burn_in, 2))
    if not keep.any():
        return np.ones(0)
    m_a, m_b = m_a[keep], m_b[keep]
    centre = float(np.concatenate([a, b]).mean())  # keeps cumulative sums of squares accurate
    mean_a, var_a = _prefix_moments(a - centre, m_a, binary=binary, shift=centre)
    mean_b, var_b = _prefix_moments(b - centre, m_b, binary=binary, shift=centre)
    var = var_a / m_a + var_b / m_b
    n_eff = 1.0 / (1.0 / m_a + 1.0 / m_b)
    log_lr = mixture_log_lr(mean_b - mean_a, var, effect * effect * n_eff)
    p: FloatArray = np.minimum.accumulate(np.minimum(1.0, np.exp(-log_lr)))
    return p


def mixture_log_lr(diff: FloatArray, var: FloatArray, rho: FloatArray) -> FloatArray:
    """log Λ for estimates `diff` with variance `var`, where rho = τ²/V (the mixing variance in
    units of the estimate's variance). A zero variance with a non-zero difference is certain."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z2 = np.where(var > 0, diff * diff / np.where(var > 0, var, 1.0), np.inf)
    z2 = np.where(diff == 0, 0.0, z2)
    out: FloatArray = -0.5 * np.log1p(rho) + z2 * rho / (2.0 * (1.0 + rho))
    return out


def _z_radius(rho: float, alpha: float) -> float:
    # Λ(θ) < 1/α  <=>  |Δ - θ| / sqrt(V) < sqrt((1+ρ)/ρ · (2 log(1/α) + log(1+ρ)))
    return math.sqrt((1.0 + rho) / rho * (2.0 * math.log(1.0 / alpha) + math.log1p(rho)))


def _prefix_moments(
    x: FloatArray, m: NDArray[np.int64], *, binary: bool, shift: float
) -> tuple[FloatArray, FloatArray]:
    total = np.cumsum(x)[m - 1]
    mean = total / m
    if binary:
        # Agresti-style smoothing: p(1-p) of (s + 0.5) / (n + 1) is never 0.
        smooth = (total + shift * m + 0.5) / (m + 1.0)
        return mean + shift, smooth * (1.0 - smooth)
    squares = np.cumsum(x * x)[m - 1]
    var = np.maximum(squares - m * mean * mean, 0.0) / (m - 1)
    return mean + shift, var


def _moments(a: FloatArray, b: FloatArray, *, binary: bool) -> tuple[float, float]:
    if binary:
        pa, pb = (a.sum() + 0.5) / (a.size + 1.0), (b.sum() + 0.5) / (b.size + 1.0)
        var = pa * (1 - pa) / a.size + pb * (1 - pb) / b.size
    else:
        var = a.var(ddof=1) / a.size + b.var(ddof=1) / b.size
    return float(b.mean() - a.mean()), float(var)
