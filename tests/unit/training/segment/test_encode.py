"""Encoding rows for clustering: which columns, on what scale, and the same at predict time."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.training.segment.encode import (
    CLIP,
    MAX_LEVELS,
    BlockKind,
    SegmentEncoder,
    fit_encoder,
)
from tests.unit.training.segment.conftest import blobs


def _encoder() -> tuple[SegmentEncoder, pl.DataFrame]:
    frame, _ = blobs()
    return fit_encoder(frame, outcome="churn"), frame


def test_ids_and_the_outcome_are_left_out() -> None:
    encoder, frame = _encoder()
    assert [c.name for c in encoder.schema.columns] == ["spend", "visits", "plan", "mobile"]
    assert encoder.schema.known == tuple(frame.columns)
    assert encoder.schema.target == "segment"
    kinds = {b.source: b.kind for b in encoder.blocks}
    assert kinds == {
        "spend": BlockKind.NUMBER,
        "visits": BlockKind.NUMBER,
        "plan": BlockKind.LEVELS,
        "mobile": BlockKind.FLAG,
    }
    assert encoder.transform(frame).shape == (frame.height, 2 + 3 + 1)


def test_json_round_trip_encodes_identically() -> None:
    encoder, frame = _encoder()
    again = SegmentEncoder.from_json(json.loads(json.dumps(encoder.to_json())))
    assert again == encoder
    assert np.array_equal(again.transform(frame), encoder.transform(frame))


def test_unknown_levels_are_zeros_and_missing_values_imputed() -> None:
    encoder, _ = _encoder()
    rows = pl.DataFrame(
        {
            "spend": [None, 40.0, 40.0],
            "visits": [30.0, 30.0, 30.0],
            "plan": ["pro", "enterprise", None],
            "mobile": [1, 0, None],
        }
    )
    points = encoder.transform(rows)
    plan = slice(2, 5)
    assert points[1, plan].tolist() == [0.0, 0.0, 0.0]  # unseen level
    assert np.array_equal(points[2, plan], points[0, plan])  # missing: the most frequent level
    spend = next(b for b in encoder.blocks if b.source == "spend")
    assert points[0, 0] == pytest.approx((spend.fill - spend.center) / spend.scale)  # median fill
    mobile = next(b for b in encoder.blocks if b.source == "mobile")
    assert points[2, 5] == mobile.fill * mobile.weight


def test_every_block_weighs_about_one_standardized_number() -> None:
    rng = np.random.default_rng(1)
    n = 2000
    frame = pl.DataFrame(
        {
            "many": [f"level{i}" for i in rng.integers(0, 40, n)],
            "flag": rng.random(n) < 0.5,
            "amount": rng.normal(size=n),
        }
    )
    encoder = fit_encoder(frame)
    points = encoder.transform(frame)
    many = next(b for b in encoder.blocks if b.source == "many")
    assert many.width == MAX_LEVELS
    variances = {"many": points[:, :MAX_LEVELS].var(0).sum()}
    variances["flag"] = points[:, MAX_LEVELS].var()
    variances["amount"] = points[:, MAX_LEVELS + 1].var()
    # Each block carries about one unit of variance: the 40-level column does not dominate.
    assert variances == pytest.approx({"many": 1.0, "flag": 1.0, "amount": 1.0}, rel=0.15)


def test_skewed_amounts_are_logged_and_extremes_clipped() -> None:
    rng = np.random.default_rng(2)
    amounts = rng.lognormal(mean=3.0, sigma=1.5, size=500)
    amounts[0] = 1e9
    frame = pl.DataFrame({"amount": amounts, "balance": rng.normal(size=500)})
    encoder = fit_encoder(frame)
    amount, balance = encoder.blocks
    assert amount.log
    assert not balance.log  # symmetric, and negative values: no log
    points = encoder.transform(frame)
    assert points[:, 0].max() == CLIP
    assert abs(float(np.median(points[:, 0]))) < 0.01  # centred on the median


def test_too_few_rows_refused() -> None:
    frame = pl.DataFrame({"a": list(range(19)), "b": ["x", "y"] * 9 + ["x"]})
    with pytest.raises(InputError, match="rows: got 19; expected at least 20 rows to segment"):
        fit_encoder(frame)


def test_no_usable_column_refused_with_reasons() -> None:
    frame = pl.DataFrame({"id": [f"r{i}" for i in range(60)], "churn": ["Yes", "No"] * 30})
    with pytest.raises(InputError, match=r"no usable column.*'id': looks like an identifier"):
        fit_encoder(frame, outcome="churn")


def test_constant_frame_refused() -> None:
    frame = pl.DataFrame({"a": [1] * 30, "b": ["x"] * 30})
    with pytest.raises(InputError, match=r"no usable column.*'a': one constant value"):
        fit_encoder(frame)


def test_only_dates_refused() -> None:
    days = pl.date_range(date(2024, 1, 1), date(2024, 1, 30), eager=True)
    with pytest.raises(
        InputError, match=r"segment columns: only dates \('day'\) are usable; add a numeric"
    ):
        fit_encoder(pl.DataFrame({"day": days}))


def test_unknown_outcome_or_exclude_named() -> None:
    frame, _ = blobs()
    with pytest.raises(InputError, match="outcome: got 'nope'; expected one of the data's"):
        fit_encoder(frame, outcome="nope")
    with pytest.raises(InputError, match="exclude: got 'zzz'"):
        fit_encoder(frame, exclude=["zzz"])


def test_missing_column_at_transform_named() -> None:
    encoder, frame = _encoder()
    with pytest.raises(InputError, match=r"missing required column\(s\) 'plan'"):
        encoder.transform(frame.drop("plan"))
