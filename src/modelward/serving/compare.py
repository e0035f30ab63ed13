"""Comparing two deployment routes from feedback: which one serves better, and is it sure?

Route A is the incumbent (the primary, or the model a shadow challenger runs beside), route B the
challenger (the canary or the shadow). Per route we get, in arrival order, either binary
outcomes (correct / incorrect, a conversion) or a continuous value per request (absolute error,
money realised). The fixed-horizon tests are the textbook ones: a two-proportion z-test (pooled
variance for the test, unpooled for the interval) and Welch's t-test. They are reported for
reference; the *decision* uses the always-valid mixture SPRT of `modelward.serving.sequential`,
so that looking at the comparison after every batch of labels does not inflate false alarms.

Decisions: keep collecting until both routes have `min_samples` labelled requests; then stop as
soon as the always-valid p-value reaches alpha (B better or A better, by the sign of the
difference and whether higher is better); declare no difference only once both routes reach
`max_samples` without a stop.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any

import numpy as np

from modelward.errors import InputError
from modelward.evaluation import json_float
from modelward.serving.sequential import DEFAULT_EFFECT, FloatArray, always_valid
from modelward.serving.significance import TestResult, two_proportion_test, vector, welch_test

__all__ = [
    "Comparison",
    "Decision",
    "RouteSample",
    "TestResult",
    "compare_routes",
    "two_proportion_test",
    "welch_test",
]


class Decision(enum.Enum):
    """What to do with the challenger now."""

    KEEP_COLLECTING = "keep_collecting"
    B_BETTER = "b_better"
    A_BETTER = "a_better"
    NO_DIFFERENCE = "no_difference"

    @property
    def final(self) -> bool:
        """Whether the comparison is over (more labels would not change the decision)."""
        return self is not Decision.KEEP_COLLECTING


@dataclasses.dataclass(frozen=True, eq=False)
class RouteSample:
    """One route's feedback: its name and per-request values in arrival order.

    Build with `RouteSample.outcomes` (0/1) or `RouteSample.measurements` (continuous).
    """

    name: str
    values: FloatArray
    binary: bool

    @classmethod
    def outcomes(cls, name: str, values: Any) -> RouteSample:
        """Binary outcomes (1 = success: correct, converted), in arrival order."""
        array = vector(f"{name} outcomes", values)
        if not np.isin(array, (0.0, 1.0)).all():
            bad = array[~np.isin(array, (0.0, 1.0))][0]
            raise InputError.field(f"{name} outcomes", float(bad), "0 or 1 per request")
        return cls(name=name, values=array, binary=True)

    @classmethod
    def measurements(cls, name: str, values: Any) -> RouteSample:
        """A continuous value per request (absolute error, money realised), in arrival order."""
        return cls(name=name, values=vector(f"{name} values", values), binary=False)

    @property
    def n(self) -> int:
        return int(self.values.size)


@dataclasses.dataclass(frozen=True)
class Comparison:
    """Route B against route A: estimates, the difference (B - A) with its fixed-horizon and
    always-valid 95% intervals, both p-values, the decision and one sentence saying it."""

    metric: str
    route_a: str
    route_b: str
    n_a: int
    n_b: int
    test: TestResult
    always_valid_p: float
    always_valid_low: float
    always_valid_high: float
    decision: Decision
    recommendation: str

    @property
    def difference(self) -> float:
        """mean_b - mean_a (for outcomes, the difference of success rates)."""
        return self.test.difference

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "route_a": self.route_a,
            "route_b": self.route_b,
            "n_a": self.n_a,
            "n_b": self.n_b,
            "test": self.test.to_json(),
            "always_valid_p": json_float(self.always_valid_p, 6),
            "always_valid_low": json_float(self.always_valid_low, 6),
            "always_valid_high": json_float(self.always_valid_high, 6),
            "decision": self.decision.value,
            "recommendation": self.recommendation,
        }


def compare_routes(
    a: RouteSample,
    b: RouteSample,
    *,
    metric: str = "accuracy",
    alpha: float = 0.05,
    higher_is_better: bool = True,
    min_samples: int = 200,
    max_samples: int = 10_000,
    effect: float = DEFAULT_EFFECT,
) -> Comparison:
    """Compare challenger B with incumbent A and decide (see the module docstring).

    `metric` names what the values measure, for the sentence ("accuracy", "absolute error").
    Raises InputError when the samples mix kinds or an option is out of range.
    """
    _options(a, b, alpha=alpha, min_samples=min_samples, max_samples=max_samples, effect=effect)
    if min(a.n, b.n) < 2:
        test = TestResult("none yet", *_means(a, b), -math.inf, math.inf, 0.0, 1.0)
    elif a.binary:
        test = two_proportion_test(int(a.values.sum()), a.n, int(b.values.sum()), b.n)
    else:
        test = welch_test(a.values, b.values)
    seq = always_valid(a.values, b.values, binary=a.binary, alpha=alpha, effect=effect)
    decision = _decide(
        a,
        b,
        seq.p_value,
        test.difference,
        alpha=alpha,
        higher_is_better=higher_is_better,
        min_samples=min_samples,
        max_samples=max_samples,
    )
    partial = Comparison(
        metric, a.name, b.name, a.n, b.n, test, seq.p_value, seq.ci_low, seq.ci_high, decision, ""
    )
    sentence = _sentence(partial, binary=a.binary, min_samples=min_samples)
    return dataclasses.replace(partial, recommendation=sentence)


def _decide(
    a: RouteSample,
    b: RouteSample,
    p: float,
    diff: float,
    *,
    alpha: float,
    higher_is_better: bool,
    min_samples: int,
    max_samples: int,
) -> Decision:
    if min(a.n, b.n) < min_samples:
        return Decision.KEEP_COLLECTING
    if p <= alpha and diff != 0:
        return Decision.B_BETTER if (diff > 0) == higher_is_better else Decision.A_BETTER
    if min(a.n, b.n) >= max_samples:
        return Decision.NO_DIFFERENCE
    return Decision.KEEP_COLLECTING


def _sentence(c: Comparison, *, binary: bool, min_samples: int) -> str:
    size = _amount(abs(c.test.difference), binary)
    interval = (
        f"always-valid 95% CI {_amount(c.always_valid_low, binary, sign=True)} to "
        f"{_amount(c.always_valid_high, binary, sign=True)}"
    )
    p = f"p={_p(c.always_valid_p)} always-valid"
    if c.decision is Decision.B_BETTER:
        way = "higher" if c.test.difference > 0 else "lower"
        return f"promote {c.route_b}: its {c.metric} is {size} {way} ({interval}), {p}"
    if c.decision is Decision.A_BETTER:
        way = "higher" if c.test.difference > 0 else "lower"
        return (
            f"keep {c.route_a} and retire {c.route_b}: {c.route_b}'s {c.metric} is {size} "
            f"{way} ({interval}), {p}"
        )
    if c.decision is Decision.NO_DIFFERENCE:
        return (
            f"no difference found: after {c.n_a:,} and {c.n_b:,} labelled requests the "
            f"{c.metric} differs by {size} ({interval}), {p}; either route may serve"
        )
    if min(c.n_a, c.n_b) < min_samples:
        route = c.route_a if c.n_a <= c.n_b else c.route_b
        return (
            f"keep collecting: {min(c.n_a, c.n_b):,} of at least {min_samples:,} labelled "
            f"requests on {route}"
        )
    way = "higher" if c.test.difference > 0 else "lower"
    so_far = f"is {size} {way}" if c.test.difference else f"equals {c.route_a}'s"
    return (
        f"keep collecting: {c.route_b}'s {c.metric} {so_far} so far, not yet "
        f"conclusive ({p}; {c.n_a:,} and {c.n_b:,} labelled requests)"
    )


def _amount(value: float, binary: bool, *, sign: bool = False) -> str:
    if not math.isfinite(value):
        return "-inf" if value < 0 else "inf"
    if binary:  # a difference of proportions reads as percentage points
        text = f"{value * 100:+.1f}" if sign else f"{value * 100:.1f}"
        return text if sign else f"{text} points"
    return f"{value:+.3g}" if sign else f"{value:.3g}"


def _p(p: float) -> str:
    return "<0.0001" if p < 1e-4 else f"{p:.2g}" if p < 0.01 else f"{p:.3f}"


def _means(a: RouteSample, b: RouteSample) -> tuple[float, float, float]:
    mean_a = float(a.values.mean()) if a.n else math.nan
    mean_b = float(b.values.mean()) if b.n else math.nan
    return mean_a, mean_b, mean_b - mean_a


def _options(
    a: RouteSample,
    b: RouteSample,
    *,
    alpha: float,
    min_samples: int,
    max_samples: int,
    effect: float,
) -> None:
    if a.binary != b.binary:
        kinds = f"{a.name}: {_kind(a)}, {b.name}: {_kind(b)}"
        raise InputError.field("routes", kinds, "both binary outcomes or both measurements")
    if not 0 < alpha < 1:
        raise InputError.field("alpha", alpha, "a probability between 0 and 1, e.g. 0.05")
    if min_samples < 2:
        raise InputError.field("min_samples", min_samples, "an integer >= 2")
    if max_samples < min_samples:
        raise InputError.field("max_samples", max_samples, f">= min_samples ({min_samples})")
    if not effect > 0:
        raise InputError.field("effect", effect, "a positive number of standard deviations")


def _kind(route: RouteSample) -> str:
    return "binary" if route.binary else "measurements"
