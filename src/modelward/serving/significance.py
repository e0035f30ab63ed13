"""Fixed-horizon two-sample tests: the two-proportion z-test and Welch's t-test.

Both report mean_b - mean_a (a proportion is the mean of 0/1 outcomes) with a two-sided p-value
and a 95% interval. They are valid when the sample size was fixed in advance and the result is
looked at once; for repeated looks use `modelward.serving.sequential`.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
from scipy import stats

from modelward.errors import InputError
from modelward.evaluation import json_float
from modelward.serving.sequential import FloatArray

CONFIDENCE = 0.95


@dataclasses.dataclass(frozen=True)
class TestResult:
    """A fixed-horizon two-sample test of mean_b - mean_a (a proportion is a mean of 0/1)."""

    __test__ = False  # not a pytest class, whatever its name

    method: str
    estimate_a: float
    estimate_b: float
    difference: float
    ci_low: float
    ci_high: float
    statistic: float
    p_value: float
    df: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "estimate_a": json_float(self.estimate_a, 6),
            "estimate_b": json_float(self.estimate_b, 6),
            "difference": json_float(self.difference, 6),
            "ci_low": json_float(self.ci_low, 6),
            "ci_high": json_float(self.ci_high, 6),
            "statistic": json_float(self.statistic, 4),
            "p_value": json_float(self.p_value, 6),
            "df": json_float(self.df, 2),
        }


def two_proportion_test(successes_a: int, n_a: int, successes_b: int, n_b: int) -> TestResult:
    """Two-sided z-test of p_b - p_a (pooled variance), with a 95% Wald interval (unpooled)."""
    _count("n_a", n_a, successes_a)
    _count("n_b", n_b, successes_b)
    p_a, p_b = successes_a / n_a, successes_b / n_b
    diff = p_b - p_a
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    z = _ratio(diff, se0)
    se = math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
    half = float(stats.norm.ppf(0.5 + CONFIDENCE / 2)) * se
    p = float(2 * stats.norm.sf(abs(z)))
    return TestResult("two-proportion z-test", p_a, p_b, diff, diff - half, diff + half, z, p)


def welch_test(a: FloatArray, b: FloatArray) -> TestResult:
    """Welch's t-test of mean(b) - mean(a) (unequal variances, Welch–Satterthwaite df)."""
    a, b = vector("a", a), vector("b", b)
    for name, x in (("a", a), ("b", b)):
        if x.size < 2:
            raise InputError.field(f"{name} size", x.size, "at least 2 values per route")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    diff, se = float(b.mean() - a.mean()), math.sqrt(va + vb)
    if se > 0:
        df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    else:  # both routes constant: the df formula is 0/0; any value leaves p at 0 or 1
        df = float(a.size + b.size - 2)
    t = _ratio(diff, se)
    half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, df)) * se
    p = float(2 * stats.t.sf(abs(t), df))
    return TestResult(
        "Welch t-test",
        float(a.mean()),
        float(b.mean()),
        diff,
        diff - half,
        diff + half,
        t,
        p,
        float(df),
    )


def vector(name: str, values: Any) -> FloatArray:
    """`values` as a 1-D float array of finite numbers, or an InputError naming `name`."""
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError.field(name, type(values).__name__, "a sequence of numbers") from exc
    if array.ndim != 1:
        raise InputError.field(f"{name} shape", array.shape, "one value per request (1-D)")
    if not np.isfinite(array).all():
        bad = float(array[~np.isfinite(array)][0])
        raise InputError.field(name, bad, "finite numbers (no NaN or inf)")
    return array


def _count(name: str, n: int, successes: int) -> None:
    if n < 1:
        raise InputError.field(name, n, "at least 1 request")
    if not 0 <= successes <= n:
        raise InputError.field(f"successes for {name}", successes, f"between 0 and {n}")


def _ratio(diff: float, se: float) -> float:
    if se > 0:
        return diff / se
    return 0.0 if diff == 0 else math.copysign(math.inf, diff)
