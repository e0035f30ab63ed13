"""Perturbations keep the frame valid; flip rates count exactly the decisions that change."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.evaluation.robustness import Robustness, flip_rate, perturb_frame
from modelward.spec.model import Task

COLUMNS = ["x", "count", "flag", "colour", "kind", "ok", "day"]


def _frame(n: int = 2000, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, n)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[::7] = None
    return pl.DataFrame(
        {
            "x": pl.Series(np.where(np.arange(n) % 11 == 0, np.nan, x)).fill_nan(None),
            "count": pl.Series(rng.integers(0, 50, n), dtype=pl.Int32),
            "flag": pl.Series(rng.integers(0, 2, n), dtype=pl.Int64),
            "colour": pl.Series(colour.tolist(), dtype=pl.String),
            "kind": pl.Series(rng.choice(["a", "b"], n).tolist(), dtype=pl.Categorical),
            "ok": pl.Series(rng.random(n) < 0.5),
            "day": pl.date_range(pl.date(2020, 1, 1), pl.date(2030, 12, 31), eager=True)[:n],
            "target": rng.integers(0, 2, n),
        }
    )


def _binary(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def _step_on_x(frame: pl.DataFrame) -> np.ndarray:
    """A model that answers 1 when x > 0 (0 where x is missing) and ignores everything else."""
    return _binary((frame["x"].fill_null(0.0).to_numpy() > 0).astype(float))


def test_perturbed_frame_keeps_dtypes_nulls_and_ranges() -> None:
    frame = _frame()
    moved = perturb_frame(frame, COLUMNS, scale=0.2, seed=3)
    assert moved.schema == frame.schema
    for name in frame.columns:
        assert moved[name].is_null().to_list() == frame[name].is_null().to_list()
    assert moved["x"].min() >= frame["x"].min()  # type: ignore[operator]
    assert moved["x"].max() <= frame["x"].max()  # type: ignore[operator]
    assert (moved["x"] != frame["x"]).mean() > 0.95  # type: ignore[operator]
    assert set(moved["colour"].drop_nulls()) <= {"red", "green", "blue"}
    swapped = (moved["colour"] != frame["colour"]).mean()
    assert 0.1 < swapped < 0.3  # type: ignore[operator]
    # a 0/1 flag is swapped like a category: noise of 20% of its spread would never move it
    assert set(moved["flag"].to_list()) == {0, 1}
    assert 0.1 < (moved["flag"] != frame["flag"]).mean() < 0.3  # type: ignore[operator]
    assert moved["ok"].dtype == pl.Boolean
    assert moved["day"].equals(frame["day"])
    assert moved["target"].equals(frame["target"])  # not among the columns to perturb


def test_perturbation_is_determined_by_seed_and_column() -> None:
    frame = _frame()
    assert perturb_frame(frame, COLUMNS, seed=1).equals(perturb_frame(frame, COLUMNS, seed=1))
    assert not perturb_frame(frame, COLUMNS, seed=1).equals(perturb_frame(frame, COLUMNS, seed=2))
    # a column perturbed alone moves exactly as it does among the others
    alone = perturb_frame(frame, ["x"], seed=1)["x"]
    assert alone.equals(perturb_frame(frame, COLUMNS, seed=1)["x"])


def test_flip_rate_is_deterministic_by_seed() -> None:
    frame = _frame()
    first = flip_rate(_step_on_x, frame, columns=COLUMNS, task=Task.BINARY, seed=5, rows=500)
    again = flip_rate(_step_on_x, frame, columns=COLUMNS, task=Task.BINARY, seed=5, rows=500)
    assert first == again
    assert first.rows == 500


def test_step_function_flips_as_often_as_noise_crosses_the_step() -> None:
    frame = pl.DataFrame({"x": np.random.default_rng(0).uniform(-1.0, 1.0, 20_000)})
    scale = 0.2
    result = flip_rate(_step_on_x, frame, columns=["x"], task=Task.BINARY, rows=20_000, scale=scale)
    # Noise of sd s flips a row at distance d from the step with probability Phi(-d/s);
    # averaged over x ~ U(-1, 1) that is s / sqrt(2 pi), with s = scale * sd(x).
    expected = scale * frame["x"].std() / math.sqrt(2 * math.pi)  # type: ignore[operator]
    assert result.flip_rate == pytest.approx(expected, abs=0.006)
    # every flip moves the probability by exactly 1, nothing else moves it
    assert result.mean_change == pytest.approx(result.flip_rate)


def test_threshold_decides_which_side_a_probability_is_on() -> None:
    frame = pl.DataFrame({"x": np.linspace(0.0, 1.0, 1001)})

    def identity(f: pl.DataFrame) -> np.ndarray:
        return _binary(f["x"].to_numpy())

    near = flip_rate(identity, frame, columns=["x"], task=Task.BINARY, threshold=0.5)
    # the edge is where nothing can cross: rows sit at least 0.4 (many sds) away from 0.9
    edge = flip_rate(identity, frame, columns=["x"], task=Task.BINARY, threshold=0.9999)
    assert near.flip_rate > 0
    assert edge.flip_rate < near.flip_rate


def test_ignored_column_shows_zero_sensitivity() -> None:
    result = flip_rate(_step_on_x, _frame(), columns=COLUMNS, task=Task.BINARY, scale=0.1)
    by_name = {f.column: f for f in result.features}
    for ignored in ("count", "flag", "colour", "kind", "ok"):
        assert by_name[ignored].flip_rate == 0.0
        assert by_name[ignored].mean_change == 0.0
    assert by_name["x"].flip_rate > 0
    assert [f.column for f in result.most_sensitive] == ["x"]
    assert result.unperturbed == ("day",)
    assert result.flip_rate == by_name["x"].flip_rate  # the others add nothing


def test_multiclass_counts_a_change_of_the_top_class() -> None:
    frame = _frame()

    def by_colour(f: pl.DataFrame) -> np.ndarray:
        colour = f["colour"].fill_null("red").to_numpy()
        return np.stack(
            [(colour == c) * 0.8 + 0.1 for c in ("red", "green", "blue")], axis=1
        ).astype(float)

    result = flip_rate(
        by_colour, frame, columns=["colour"], task=Task.MULTICLASS, rows=frame.height, scale=0.1
    )
    # every row is in the sample, so the flips are exactly the swapped (non-missing) colours
    moved = perturb_frame(frame, ["colour"], scale=0.1, seed=0)
    swapped = (moved["colour"] != frame["colour"]).fill_null(False).sum() / frame.height
    assert 0.05 < swapped < 0.15
    assert result.flip_rate == pytest.approx(swapped)
    assert result.mean_change == pytest.approx(0.8 * result.flip_rate)
    assert result.threshold is None  # the top class decides


def test_regression_counts_relative_changes_above_ten_percent() -> None:
    frame = pl.DataFrame({"x": np.linspace(1.0, 2.0, 500)})

    def double(f: pl.DataFrame) -> np.ndarray:
        return np.asarray(f["x"].to_numpy() * 2.0)

    small = flip_rate(double, frame, columns=["x"], task=Task.REGRESSION, scale=0.05)
    large = flip_rate(double, frame, columns=["x"], task=Task.REGRESSION, scale=1.0)
    assert small.flip_rate == 0.0  # noise of sd 0.014 against values of 1 to 2
    assert small.mean_change > 0
    assert large.flip_rate > 0.3
    assert large.to_json()["most_sensitive"][0]["column"] == "x"


def test_json_and_facts() -> None:
    result = flip_rate(_step_on_x, _frame(), columns=COLUMNS, task=Task.BINARY)
    data = result.to_json()
    assert data["threshold"] == 0.5
    assert data["flip_rate"] == round(result.flip_rate, 4)
    assert data["unperturbed"] == ["day"]
    assert f"of {result.rows:,} rows" in data["message"]
    assert "most sensitive: x" in data["message"]
    assert set(result.facts()) == {"flip_rate", "mean_prediction_change"}
    assert isinstance(result, Robustness)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"columns": ["nope"]}, "columns: got"),
        ({"scale": 0.0}, "scale: got 0.0"),
        ({"rows": 0}, "rows: got 0"),
        ({"threshold": 1.5}, "threshold: got 1.5"),
        ({"task": Task.FORECAST}, "task: got"),
    ],
)
def test_bad_options_are_refused(options: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"columns": ["x"], "task": Task.BINARY, **options}
    with pytest.raises(InputError, match=message):
        flip_rate(_step_on_x, _frame(100), **arguments)  # type: ignore[arg-type]
