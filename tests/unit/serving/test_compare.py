"""Route comparison: fixed-horizon tests against scipy, the always-valid stopping rule under
repeated looks, and the decisions and sentences compare_routes gives."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from modelward.errors import InputError
from modelward.serving.compare import (
    Decision,
    RouteSample,
    compare_routes,
    two_proportion_test,
    welch_test,
)
from modelward.serving.sequential import always_valid, p_value_path

SIMULATIONS, PEEK, HORIZON = 200, 50, 5_000


def test_two_proportion_test_matches_hand_computation_and_chi_square() -> None:
    result = two_proportion_test(80, 100, 90, 100)
    assert result.difference == pytest.approx(0.10)
    assert result.statistic == pytest.approx(0.10 / math.sqrt(0.85 * 0.15 * 0.02))
    # Unpooled Wald interval: se = sqrt(.8*.2/100 + .9*.1/100) = 0.05.
    assert result.ci_low == pytest.approx(0.10 - 1.959964 * 0.05, abs=1e-6)
    assert result.ci_high == pytest.approx(0.10 + 1.959964 * 0.05, abs=1e-6)
    # The pooled z-test is the 2x2 chi-square test without continuity correction.
    chi2, p, _, _ = stats.chi2_contingency([[80, 20], [90, 10]], correction=False)
    assert result.statistic**2 == pytest.approx(chi2)
    assert result.p_value == pytest.approx(p)


def test_two_proportion_test_with_no_variance_is_not_significant() -> None:
    result = two_proportion_test(50, 50, 30, 30)
    assert result.p_value == 1.0
    assert result.statistic == 0.0


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((1, 0, 1, 5), "n_a: got 0"),
        ((6, 5, 1, 5), "successes for n_a: got 6"),
        ((1, 5, -1, 5), "successes for n_b: got -1; expected between 0 and 5"),
    ],
)
def test_two_proportion_test_rejects_impossible_counts(
    args: tuple[int, int, int, int], match: str
) -> None:
    with pytest.raises(InputError, match=match):
        two_proportion_test(*args)


def test_welch_test_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(10.0, 1.0, 40), rng.normal(10.6, 3.0, 90)
    result = welch_test(a, b)
    reference = stats.ttest_ind(b, a, equal_var=False)
    assert result.statistic == pytest.approx(reference.statistic)
    assert result.p_value == pytest.approx(reference.pvalue)
    assert result.df == pytest.approx(reference.df)
    interval = reference.confidence_interval(0.95)
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high))
    assert result.difference == pytest.approx(b.mean() - a.mean())


def test_welch_test_on_constant_routes() -> None:
    assert welch_test(np.ones(5), np.ones(7)).p_value == 1.0
    differs = welch_test(np.ones(5), np.full(7, 2.0))
    assert differs.p_value == 0.0
    assert differs.statistic == math.inf


def test_welch_test_rejects_bad_input() -> None:
    with pytest.raises(InputError, match="a size: got 1; expected at least 2"):
        welch_test(np.ones(1), np.ones(5))
    with pytest.raises(InputError, match="b: got nan; expected finite numbers"):
        welch_test(np.ones(3), np.array([1.0, math.nan]))


def _naive_pvalues(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Welch t-test p-values at every peek (vectorised over the peeks)."""
    m = np.arange(PEEK, HORIZON + 1, PEEK)
    mean_a, mean_b = np.cumsum(a)[m - 1] / m, np.cumsum(b)[m - 1] / m
    var_a = (np.cumsum(a * a)[m - 1] - m * mean_a**2) / (m - 1) / m
    var_b = (np.cumsum(b * b)[m - 1] - m * mean_b**2) / (m - 1) / m
    df = (var_a + var_b) ** 2 / (var_a**2 / (m - 1) + var_b**2 / (m - 1))
    p: np.ndarray = 2 * stats.t.sf(np.abs(mean_b - mean_a) / np.sqrt(var_a + var_b), df)
    return p


def _naive_stops(a: np.ndarray, b: np.ndarray) -> bool:
    """Stopping at the first peek with p < 0.05: what people do by hand."""
    return bool((_naive_pvalues(a, b) < 0.05).any())


def _sequential_stops(a: np.ndarray, b: np.ndarray, *, binary: bool) -> int | None:
    """The always-valid p-value looked at every peek; the sample size at the first stop.

    With routes growing in step, the look at m values per route is entry m - 30 of the path
    (the first 29 looks fall in the burn-in); the next test checks that equivalence."""
    path = p_value_path(a, b, binary=binary)
    for m in range(PEEK, HORIZON + 1, PEEK):
        if path[m - 30] <= 0.05:
            return m
    return None


def test_a_peek_is_the_path_at_that_sample_size() -> None:
    rng = np.random.default_rng(9)
    a = (rng.random(600) < 0.6).astype(np.float64)
    b = (rng.random(600) < 0.7).astype(np.float64)
    path = p_value_path(a, b, binary=True)
    for m in (50, 200, 450, 600):
        assert always_valid(a[:m], b[:m], binary=True).p_value == pytest.approx(path[m - 30])
    rng_values = rng.exponential(1.0, (2, HORIZON))
    slow = [
        stats.ttest_ind(rng_values[1, :m], rng_values[0, :m], equal_var=False).pvalue
        for m in range(PEEK, HORIZON + 1, PEEK)
    ]
    assert _naive_pvalues(rng_values[0], rng_values[1]) == pytest.approx(slow, rel=1e-6)


def test_peeking_under_the_null_keeps_false_stops_near_alpha_unlike_naive_t_tests() -> None:
    rng = np.random.default_rng(20240501)
    sequential = naive = 0
    for i in range(SIMULATIONS):
        if i % 2:  # half binary accuracies, half skewed continuous errors
            a = (rng.random(HORIZON) < 0.8).astype(float)
            b = (rng.random(HORIZON) < 0.8).astype(float)
        else:
            a, b = rng.exponential(2.0, HORIZON), rng.exponential(2.0, HORIZON)
        sequential += _sequential_stops(a, b, binary=bool(i % 2)) is not None
        naive += _naive_stops(a, b)
    assert sequential / SIMULATIONS <= 0.08
    # The contrast: a fixed-horizon test re-run at 100 looks stops far more often than 5%.
    assert naive / SIMULATIONS >= 0.2


def test_a_real_difference_stops() -> None:
    rng = np.random.default_rng(11)
    stops = []
    for _ in range(20):
        a = (rng.random(HORIZON) < 0.80).astype(float)
        b = (rng.random(HORIZON) < 0.85).astype(float)
        stops.append(_sequential_stops(a, b, binary=True))
    assert all(m is not None for m in stops)
    assert np.median([m for m in stops if m is not None]) < 2_000


def test_always_valid_p_is_a_running_minimum_and_its_interval_is_wider() -> None:
    rng = np.random.default_rng(5)
    a, b = rng.normal(0.0, 1.0, 3_000), rng.normal(0.1, 1.0, 3_000)
    path = p_value_path(a, b, binary=False)
    assert path.size == 3_000 - 29  # looks before 30 values per route are skipped
    assert np.all(np.diff(path) <= 0)
    seq = always_valid(a, b, binary=False)
    fixed = welch_test(a, b)
    assert seq.p_value == path[-1]
    assert seq.ci_low < fixed.ci_low < 0.1 < fixed.ci_high < seq.ci_high


def test_always_valid_before_burn_in_says_nothing() -> None:
    seq = always_valid(np.ones(10), np.zeros(10), binary=True)
    assert (seq.p_value, seq.ci_low, seq.ci_high) == (1.0, -math.inf, math.inf)


def test_unequal_split_still_detects_a_canary_that_is_better() -> None:
    rng = np.random.default_rng(8)
    primary = RouteSample.outcomes("primary", rng.random(9_000) < 0.80)
    canary = RouteSample.outcomes("canary", rng.random(1_000) < 0.88)
    result = compare_routes(primary, canary)
    assert result.decision is Decision.B_BETTER
    assert result.decision.final
    assert result.recommendation.startswith("promote canary: its accuracy is ")
    assert " points higher (always-valid 95% CI +" in result.recommendation
    assert result.always_valid_low > 0
    assert result.test.method == "two-proportion z-test"


def test_too_few_labels_keeps_collecting() -> None:
    rng = np.random.default_rng(1)
    primary = RouteSample.outcomes("primary", rng.random(900) < 0.8)
    canary = RouteSample.outcomes("canary", np.zeros(120))  # clearly worse, but only 120
    result = compare_routes(primary, canary, min_samples=400)
    assert result.decision is Decision.KEEP_COLLECTING
    assert not result.decision.final
    assert result.recommendation == (
        "keep collecting: 120 of at least 400 labelled requests on canary"
    )


def test_a_worse_challenger_on_a_lower_is_better_metric_is_retired() -> None:
    rng = np.random.default_rng(2)
    incumbent = RouteSample.measurements("incumbent", np.abs(rng.normal(0, 1.0, 2_000)))
    shadow = RouteSample.measurements("shadow", np.abs(rng.normal(0, 1.3, 2_000)))
    result = compare_routes(incumbent, shadow, metric="absolute error", higher_is_better=False)
    assert result.decision is Decision.A_BETTER
    assert result.difference > 0
    assert result.recommendation.startswith(
        "keep incumbent and retire shadow: shadow's absolute error is "
    )
    assert result.test.method == "Welch t-test"


def test_a_better_challenger_on_a_lower_is_better_metric_is_promoted() -> None:
    rng = np.random.default_rng(4)
    incumbent = RouteSample.measurements("incumbent", np.abs(rng.normal(0, 1.3, 2_000)))
    shadow = RouteSample.measurements("shadow", np.abs(rng.normal(0, 1.0, 2_000)))
    result = compare_routes(incumbent, shadow, metric="absolute error", higher_is_better=False)
    assert result.decision is Decision.B_BETTER
    assert "promote shadow: its absolute error is " in result.recommendation
    assert " lower (" in result.recommendation


def test_no_difference_only_at_the_maximum_sample_size() -> None:
    rng = np.random.default_rng(6)
    a, b = rng.random(4_000) < 0.7, rng.random(4_000) < 0.7
    before = compare_routes(
        RouteSample.outcomes("primary", a[:1_000]), RouteSample.outcomes("canary", b[:1_000])
    )
    assert before.decision is Decision.KEEP_COLLECTING
    assert "not yet conclusive" in before.recommendation
    after = compare_routes(
        RouteSample.outcomes("primary", a),
        RouteSample.outcomes("canary", b),
        max_samples=4_000,
    )
    assert after.always_valid_p > 0.05
    assert after.decision is Decision.NO_DIFFERENCE
    assert after.recommendation.startswith("no difference found: after 4,000 and 4,000 ")


def test_comparison_to_json_is_plain_json() -> None:
    result = compare_routes(
        RouteSample.outcomes("primary", [1, 0, 1]), RouteSample.outcomes("canary", [1])
    )
    document = json.loads(json.dumps(result.to_json()))
    assert document["decision"] == "keep_collecting"
    assert document["n_a"] == 3
    assert document["always_valid_low"] is None  # unbounded before the burn-in
    assert document["test"]["estimate_b"] == 1.0


def test_route_samples_validate_their_values() -> None:
    with pytest.raises(InputError, match=r"canary outcomes: got 2\.0; expected 0 or 1"):
        RouteSample.outcomes("canary", [1, 0, 2])
    with pytest.raises(InputError, match=r"primary values shape: got \(2, 2\)"):
        RouteSample.measurements("primary", np.ones((2, 2)))
    with pytest.raises(InputError, match="primary values: got 'list'; expected a sequence"):
        RouteSample.measurements("primary", ["a", "b"])


def test_compare_routes_rejects_mixed_kinds_and_bad_options() -> None:
    outcomes = RouteSample.outcomes("primary", [1, 0, 1])
    values = RouteSample.measurements("canary", [0.3, 0.1])
    with pytest.raises(InputError, match="routes: got 'primary: binary, canary: measurements'"):
        compare_routes(outcomes, values)
    with pytest.raises(InputError, match=r"alpha: got 1\.5"):
        compare_routes(outcomes, outcomes, alpha=1.5)
    with pytest.raises(InputError, match=r"max_samples: got 10; expected >= min_samples \(200\)"):
        compare_routes(outcomes, outcomes, max_samples=10)
