"""`ws.predict` in a loop loads and verifies a model once, and a recorded change (a promotion,
an approval, an evaluation) is seen by the next call; a few rows are scored without polars,
with the frame path's numbers and refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

import modelward
from modelward.errors import InputError
from modelward.model.runtime import SMALL_FRAME, ModelRuntime, cached_runtime, load_runtime
from modelward.registry.records import Stage
from modelward.review import promote
from tests.unit.serving.conftest import churn_rows

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL


def runtimes(ws: modelward.Workspace) -> list[ModelRuntime]:
    kept = [v[1] for v in ws.memo.values() if isinstance(v, tuple)]
    return [v for v in kept if isinstance(v, ModelRuntime)]


def test_repeated_predictions_reuse_one_verified_runtime(served_home: Path) -> None:
    rows = pl.DataFrame(churn_rows(3))
    with modelward.open(home=served_home, actor="ana") as ws:
        first = ws.predict("churn/v1", rows)
        for _ in range(5):
            again = ws.predict("churn/v1", rows)
        assert again.equals(first)
        assert len(runtimes(ws)) == 1
        assert cached_runtime(ws, "churn/v1") is cached_runtime(ws, "churn/v1")
        fresh = load_runtime(ws, "churn/v1").predict(rows)
    assert fresh.equals(first)


def test_a_promotion_is_seen_by_the_next_call(served_home: Path) -> None:
    rows = pl.DataFrame(churn_rows(3))
    with modelward.open(home=served_home, actor="ana") as ws:
        for ref in ("churn/v1", "churn/v2"):
            promote(ws, ref, to=Stage.STAGING)
        with modelward.open(home=served_home, actor="root") as admin:
            promote(admin, "churn/v1", to=Stage.PRODUCTION)
        assert cached_runtime(ws, "churn@production").ref == "churn/v1"
        ws.predict("churn@production", rows)
        with modelward.open(home=served_home, actor="root") as admin:  # another process's change
            promote(admin, "churn/v2", to=Stage.PRODUCTION)
        assert cached_runtime(ws, "churn@production").ref == "churn/v2"
        assert len(runtimes(ws)) == 1  # the stale runtime of the same ref was dropped


def small_and_whole(
    runtime: ModelRuntime, frame: pl.DataFrame, *, ignore_extra: bool = False
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`frame` scored a few rows at a time (the record path) and whole (the frame path)."""
    assert frame.height > SMALL_FRAME
    parts = [
        runtime.predict(frame.slice(i, 5), ignore_extra=ignore_extra)
        for i in range(0, frame.height, 5)
    ]
    return pl.concat(parts), runtime.predict(frame, ignore_extra=ignore_extra)


@pytest.mark.parametrize("ref", ["churn/v1", "churn/v2"])  # LightGBM codes, one-hot codes
def test_a_few_rows_score_exactly_as_a_frame_does(served_home: Path, ref: str) -> None:
    rows = pl.DataFrame(churn_rows(40)).with_columns(
        # gaps, numbers as text, a category training never saw
        pl.when(pl.int_range(pl.len()) % 3 == 0)
        .then(None)
        .otherwise(pl.col("tenure"))
        .alias("tenure"),
        pl.col("monthly_charges").cast(pl.String).str.pad_start(9),
        pl.when(pl.int_range(pl.len()) == 4)
        .then(pl.lit("Carrier pigeon"))
        .otherwise(pl.col("payment_method"))
        .alias("payment_method"),
    )
    with modelward.open(home=served_home, actor="ana") as ws:
        runtime = cached_runtime(ws, ref)
        assert runtime._predict_small(rows.head(3), ignore_extra=False) is not None
        small, whole = small_and_whole(runtime, rows)
    assert "decision" in whole.columns
    assert small.equals(whole)


def test_input_the_record_path_refuses_is_scored_or_refused_as_a_frame_is(
    served_home: Path,
) -> None:
    rows = pl.DataFrame(churn_rows(20))
    odd = rows.with_columns(pl.col("monthly_charges").cast(pl.String).str.replace(r"\.", ","))
    dated = rows.with_columns(pl.date(2026, 1, 1).alias("signed_up"))
    with modelward.open(home=served_home, actor="ana") as ws:
        runtime = cached_runtime(ws, "churn/v1")
        with pytest.raises(InputError, match="input column 'monthly_charges'"):
            runtime.predict(odd.head(2))
        assert runtime._predict_small(dated.head(2), ignore_extra=True) is None  # a Date column
        small, whole = small_and_whole(runtime, dated, ignore_extra=True)
        assert small.equals(whole)


def test_repeated_explanations_reuse_one_explainer(served_home: Path) -> None:
    rows = pl.DataFrame(churn_rows(3))
    with modelward.open(home=served_home, actor="ana") as ws:
        first = ws.explain("churn/v1", rows)
        kept = ws.memo[("explainer", "churn/v1")]
        again = ws.explain("churn/v1", rows)
        assert ws.memo[("explainer", "churn/v1")] is kept
        promote(ws, "churn/v1", to=Stage.STAGING)  # any recorded change: built anew
        third = ws.explain("churn/v1", rows)
        assert ws.memo[("explainer", "churn/v1")] is not kept
    for other in (again, third):
        assert np.array_equal(other.values, first.values)
        assert np.array_equal(other.base, first.base)


def test_no_rows_or_float32_columns_take_the_frame_path(served_home: Path) -> None:
    rows = pl.DataFrame(churn_rows(3))
    with modelward.open(home=served_home, actor="ana") as ws:
        runtime = cached_runtime(ws, "churn/v1")
        with pytest.raises(InputError, match="missing required column"):
            runtime.predict(pl.DataFrame({"foo": []}))
        single = rows.with_columns(pl.col("monthly_charges").cast(pl.Float32))
        assert runtime._predict_small(single, ignore_extra=False) is None
        assert runtime.predict(single).height == 3
