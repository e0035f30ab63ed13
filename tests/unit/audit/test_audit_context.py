from __future__ import annotations

from collections.abc import Callable

import polars as pl
import pytest

from modelward.audit import SAMPLE_ROWS, AuditContext, TargetKind
from modelward.errors import InputError

MakeContext = Callable[..., AuditContext]


def test_named_columns_must_exist(make_ctx: MakeContext) -> None:
    frame = pl.DataFrame({"a": [1, 2]})
    with pytest.raises(InputError, match=r"target: got 'y'; expected a column of the data \(a\)"):
        make_ctx(frame, target="y")
    with pytest.raises(InputError, match="sensitive attribute: got 'sex'"):
        make_ctx(frame, sensitive=("sex",))
    with pytest.raises(InputError, match="time column: got 'ts'"):
        make_ctx(frame, time_column="ts")
    with pytest.raises(InputError, match="max age: got -1; expected days > 0"):
        make_ctx(frame, max_age_days=-1)


def test_sample_is_bounded_seeded_and_cached(make_ctx: MakeContext) -> None:
    frame = pl.DataFrame({"a": range(SAMPLE_ROWS + 10)})
    ctx = make_ctx(frame, seed=3)
    assert ctx.sample.height == SAMPLE_ROWS
    assert ctx.sampled
    assert ctx.sample is ctx.sample
    assert ctx.sample.equals(make_ctx(frame, seed=3).sample)
    small = make_ctx(pl.DataFrame({"a": [1, 2, 3]}))
    assert small.sample.height == 3
    assert not small.sampled


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["Yes", "No", "Yes"], TargetKind.BINARY),
        ([True, False, True], TargetKind.BINARY),
        ([0, 1, 2, 1], TargetKind.MULTICLASS),
        (["a", "b", "c"], TargetKind.MULTICLASS),
        ([0.5, 1.25, 3.0, 7.5] * 10, TargetKind.REGRESSION),
    ],
)
def test_target_kind(make_ctx: MakeContext, values: list[object], kind: TargetKind) -> None:
    assert make_ctx(pl.DataFrame({"y": values}), target="y").target_kind is kind


def test_profiles_count_nan_as_missing(make_ctx: MakeContext) -> None:
    ctx = make_ctx(pl.DataFrame({"x": [1.0, float("nan"), None, 4.0]}))
    profile = ctx.profiles["x"]
    assert (profile.n_null, profile.n_nan, profile.n_missing) == (1, 1, 2)
