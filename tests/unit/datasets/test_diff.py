from __future__ import annotations

import json

import polars as pl
import pytest

from modelward.datasets.contract import infer_contract
from modelward.datasets.diff import DatasetDiff, Verdict, diff_frames


def _diff(old: pl.DataFrame, new: pl.DataFrame) -> DatasetDiff:
    return diff_frames(old, new, infer_contract(old), infer_contract(new))


def test_an_identical_copy_is_stable(churn: pl.DataFrame) -> None:
    diff = _diff(churn, churn.clone())
    assert (diff.added, diff.removed, diff.type_changed) == ((), (), ())
    assert (diff.rows_old, diff.rows_new, diff.rows_delta) == (7043, 7043, 0)
    assert diff.changes
    assert all(change.verdict is Verdict.STABLE for change in diff.changes)
    assert diff.shifted == ()
    charges = next(c for c in diff.changes if c.column == "total_charges")
    assert charges.psi == pytest.approx(0.0)
    assert charges.ks_statistic == 0.0
    assert charges.null_rate_old == charges.null_rate_new == pytest.approx(11 / 7043)
    # The identifier is not compared: new ids are expected, not drift.
    assert "rownames" not in {c.column for c in diff.changes}


def test_a_shifted_copy_is_major(churn: pl.DataFrame) -> None:
    shifted = churn.with_columns(
        pl.col("monthly_charges") * 1.5 + 20,
        pl.col("contract").replace({"Month-to-month": "Weekly"}),
    )
    changes = {c.column: c for c in _diff(churn, shifted).changes}
    charges, contract = changes["monthly_charges"], changes["contract"]
    assert charges.verdict is Verdict.MAJOR
    assert charges.ks_pvalue is not None
    assert charges.ks_pvalue < 1e-6
    assert charges.mean_new is not None
    assert charges.mean_old is not None
    assert charges.mean_new > charges.mean_old + 20
    assert contract.verdict is Verdict.MAJOR
    assert contract.top_category in ("Month-to-month", "Weekly")
    assert changes["tenure"].verdict is Verdict.STABLE


def test_columns_added_removed_and_retyped(churn: pl.DataFrame) -> None:
    new = churn.drop("female").with_columns(
        pl.lit(1).alias("region"), pl.col("tenure").cast(pl.Float64)
    )
    diff = _diff(churn, new.head(7000))
    assert diff.added == ("region",)
    assert diff.removed == ("female",)
    assert [(t.column, t.old, t.new) for t in diff.type_changed] == [("tenure", "Int64", "Float64")]
    assert diff.rows_delta == -43
    tenure = next(c for c in diff.changes if c.column == "tenure")
    assert tenure.kind == "numeric"  # Int64 -> Float64 is still comparable


def test_a_moderate_shift() -> None:
    old = pl.DataFrame({"x": [float(i % 100) for i in range(10_000)]})
    new = old.with_columns(pl.col("x") + 8)
    (change,) = _diff(old, new).changes
    assert change.verdict is Verdict.MODERATE


def test_the_ks_sample_is_seeded() -> None:
    old = pl.DataFrame({"x": [float(i % 997) for i in range(250_000)]})
    new = old.with_columns(pl.col("x") * 1.01)
    first, second = _diff(old, new), _diff(old, new)
    assert first.changes[0].ks_pvalue == second.changes[0].ks_pvalue


def test_unseen_categories_are_lumped_and_reported() -> None:
    old = pl.DataFrame({"c": ["a"] * 50 + ["b"] * 50})
    new = pl.DataFrame({"c": ["a"] * 50 + ["z"] * 30 + ["y"] * 20})
    (change,) = _diff(old, new).changes
    assert change.verdict is Verdict.MAJOR
    assert (change.top_category, change.share_old, change.share_new) == ("b", 0.5, 0.0)


def test_verdict_thresholds() -> None:
    assert [Verdict.of(p) for p in (0.0, 0.099, 0.1, 0.249, 0.25, 3.0)] == [
        Verdict.STABLE,
        Verdict.STABLE,
        Verdict.MODERATE,
        Verdict.MODERATE,
        Verdict.MAJOR,
        Verdict.MAJOR,
    ]


def test_the_diff_is_json(churn: pl.DataFrame) -> None:
    diff = _diff(churn, churn.sample(3000, seed=1).drop("partner"))
    data = json.loads(json.dumps(diff.to_json(), allow_nan=False))
    assert data["rows"] == {"old": 7043, "new": 3000, "delta": -4043}
    assert data["columns"]["removed"] == ["partner"]
    assert {c["verdict"] for c in data["changes"]} <= {"stable", "moderate", "major"}
