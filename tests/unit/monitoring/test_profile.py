"""The reference profile: kinds, bins, knots, JSON round trip and refusals."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.monitoring.drift import compare
from modelward.monitoring.profile import (
    KNOTS,
    CategoricalProfile,
    NumericProfile,
    Reference,
    fit_reference,
)


def sample_frame(rows: int = 2000) -> pl.DataFrame:
    rng = np.random.default_rng(0)
    return pl.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.lognormal(3, 1, rows),
            "visits": rng.integers(0, 5, rows),
            "plan": rng.choice(["basic", "pro", "team"], rows).tolist(),
            "active": rng.random(rows) < 0.3,
            "joined": [
                dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in rng.integers(0, 900, rows)
            ],
        }
    )


def test_kinds_follow_dtypes_unless_told_and_identifiers_are_left_out() -> None:
    reference = fit_reference(sample_frame(), kinds={"id": "identifier", "visits": "categorical"})
    kinds = {profile.column: profile.kind for profile in reference.columns}
    assert kinds == {
        "amount": "numeric",
        "visits": "categorical",
        "plan": "categorical",
        "active": "categorical",
        "joined": "numeric",
    }
    assert reference.rows == 2000
    assert reference.bins == 10


def test_numeric_profile_has_decile_edges_and_bounded_knots() -> None:
    reference = fit_reference(sample_frame(50_000), kinds={"id": "skip"})
    amount = reference.columns[0]
    assert isinstance(amount, NumericProfile)
    assert len(amount.edges) == 9
    assert len(amount.knots) <= KNOTS + 1 + 9
    assert set(amount.edges) <= set(amount.knots)
    assert sum(amount.cells) == 50_000
    assert len(amount.cells) == 2 * len(amount.knots) + 1
    shares = amount.reference().bins / 50_000
    assert shares[:-1] == pytest.approx([0.1] * 10, abs=1e-3)
    visits = reference.columns[1]
    assert isinstance(visits, NumericProfile)
    assert visits.knots == (0, 1, 2, 3, 4)  # few values: each is a knot, KS is exact
    assert visits.labels[0] == "< 1"
    assert visits.labels[-2] == ">= 4"


def test_dates_are_compared_as_times_and_shown_as_dates() -> None:
    reference = fit_reference(sample_frame().select("joined"))
    joined = reference.columns[0]
    assert isinstance(joined, NumericProfile)
    assert joined.dated
    assert joined.labels[0].startswith("< 2020-")
    later = pl.DataFrame({"joined": [dt.date(2023, 1, 1)] * 500})
    column = compare(reference, later).columns[0]
    assert column.severity.value == "critical"
    assert "more rows in the highest bin (>= 2022-" in column.summary


def test_top_categories_are_kept_and_the_rest_is_other() -> None:
    frame = pl.DataFrame({"c": [f"k{i % 7}" for i in range(700)] + [None] * 10})
    profile = fit_reference(frame, top=3).columns[0]
    assert isinstance(profile, CategoricalProfile)
    assert profile.categories == ("k0", "k1", "k2")  # ties broken by name
    assert (profile.counts, profile.other, profile.missing) == ((100, 100, 100), 400, 10)
    assert profile.labels == ("k0", "k1", "k2", "(other)", "(missing)")


def test_reference_survives_a_json_round_trip() -> None:
    frame = sample_frame()
    reference = fit_reference(frame, kinds={"id": "identifier"})
    text = json.dumps(reference.to_json(), allow_nan=False)
    again = Reference.from_json(json.loads(text))
    assert again == reference
    current = frame.tail(500)
    assert compare(again, current) == compare(reference, current)
    report = compare(again, current).to_json()
    assert json.loads(json.dumps(report, allow_nan=False))["severity"] in {"ok"}
    assert len(text) < 100_000


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (
            {"format": 99, "rows": 1, "bins": 10, "columns": []},
            "reference: got 'dict'; expected a drift",
        ),
        ({"rows": 1}, "drift reference of format 1"),
        ({"format": 1, "rows": 1, "bins": 10, "columns": [{"kind": "blob"}]}, "reference: got"),
    ],
)
def test_a_foreign_document_is_refused(data: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        Reference.from_json(data)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"bins": 1}, "bins: got 1; expected a whole number from 2 to 100"),
        ({"top": 0}, "top: got 0"),
        ({"kinds": {"nope": "numeric"}}, "kinds: got 'nope'"),
        ({"kinds": {"plan": "colour"}}, r"kinds\['plan'\]: got 'colour'; expected one of"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], match: str) -> None:
    with pytest.raises(InputError, match=match):
        fit_reference(sample_frame(100), **options)  # type: ignore[arg-type]


def test_empty_and_all_missing_columns_are_profiled() -> None:
    frame = pl.DataFrame(
        {"x": [None] * 200, "c": [None] * 200}, schema={"x": pl.Float64, "c": pl.String}
    )
    reference = fit_reference(frame)
    x = reference.columns[0]
    assert isinstance(x, NumericProfile)
    assert x.knots == ()
    assert x.missing == 200
    report = compare(reference, pl.DataFrame({"x": np.ones(200), "c": ["a"] * 200}))
    assert {c.severity.value for c in report.columns} == {"critical"}
    assert all(c.ks_statistic is None for c in report.columns)


def test_columns_without_a_distribution_are_left_out() -> None:
    frame = pl.DataFrame({"tags": [["a"], ["b"]], "blob": [b"a", b"b"], "x": [1.0, 2.0]})
    assert fit_reference(frame).names == ("x",)
