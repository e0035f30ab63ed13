"""The methods' pure parts: reweighing weights, the per-group decision rule and its view."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from modelward.errors import InputError
from modelward.evaluation.mitigation.postprocess import choose_rule, decision_view
from modelward.evaluation.mitigation.reweigh import reweigh_weights
from modelward.evaluation.threshold import Threshold
from modelward.spec.model import Task
from modelward.spec.value import ValueModel
from modelward.training.evidence import Evidence
from modelward.training.predictor import DecisionRule
from modelward.training.target import Target

VALUE = ValueModel(true_positive=350, false_positive=-50, false_negative=-400, true_negative=0)


def biased(n: int = 3_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pl.DataFrame]:
    """Labels and scores where group b is more often positive and scored higher."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], size=n, p=[0.7, 0.3])
    y = (rng.random(n) < np.where(group == "b", 0.45, 0.2)).astype(np.int64)
    p = np.clip(0.15 + 0.5 * y + 0.15 * (group == "b") + rng.normal(0, 0.15, n), 0.0, 1.0)
    return y, p, pl.DataFrame({"g": group})


def selection_rates(chosen: np.ndarray, groups: np.ndarray) -> dict[str, float]:
    return {str(g): float(chosen[groups == g].mean()) for g in np.unique(groups)}


def test_reweighing_makes_the_label_independent_of_the_group() -> None:
    y, _, frame = biased()
    groups = frame["g"].to_numpy()
    weights = reweigh_weights(groups, y)
    rates = [np.average(y[groups == g], weights=weights[groups == g]) for g in ("a", "b")]
    assert rates[0] == pytest.approx(rates[1]) == pytest.approx(y.mean())
    assert weights.mean() == pytest.approx(1.0)
    # Positives of the often-positive group weigh less; its negatives more.
    assert weights[(groups == "b") & (y == 1)][0] < 1.0 < weights[(groups == "b") & (y == 0)][0]


def test_reweighing_refuses_mismatched_groups() -> None:
    with pytest.raises(InputError, match="one group label per row"):
        reweigh_weights(np.array(["a"]), np.array([0, 1]))


@pytest.mark.parametrize("value_model", [VALUE, None])
def test_the_rule_equalizes_selection_rates(value_model: ValueModel | None) -> None:
    y, p, frame = biased()
    choice = choose_rule(y, p, frame, ("g",), value_model)
    chosen = p >= choice.rule.cuts(frame)
    rates = selection_rates(chosen, frame["g"].to_numpy())
    assert abs(rates["a"] - rates["b"]) < 0.01
    assert rates["a"] == pytest.approx(choice.rate, abs=0.01)
    assert choice.objective == ("value" if value_model else "accuracy")
    # The often-positive group, scored higher, needs a higher bar to be selected as often.
    assert choice.rule.thresholds["b"] > choice.rule.thresholds["a"]


def test_small_groups_use_the_overall_threshold() -> None:
    y, p, frame = biased()
    tiny = frame.with_columns(pl.Series("g", ["c"] * 20 + frame["g"].to_list()[20:]))
    choice = choose_rule(y, p, tiny, ("g",), VALUE)
    assert set(choice.rule.thresholds) == {"a", "b"}
    assert (
        choice.rule.cuts(pl.DataFrame({"g": ["c", "unseen"]})).tolist() == [choice.rule.default] * 2
    )


def test_a_rule_needs_two_judged_groups() -> None:
    y, p, frame = biased()
    with pytest.raises(InputError, match="two or more groups"):
        choose_rule(y, p, frame.with_columns(pl.lit("a").alias("g")), ("g",), VALUE)


def test_the_rule_reads_whole_numbers_alike_and_names_missing_columns() -> None:
    rule = DecisionRule(("f", "s"), {"f=1 & s=0": 0.2}, 0.5)
    ints = pl.DataFrame({"f": [1, 0], "s": [0, 0]})
    floats = pl.DataFrame({"f": [1.0, None], "s": [0.0, 0.0]})
    assert rule.cuts(ints).tolist() == rule.cuts(floats).tolist() == [0.2, 0.5]
    assert rule.groups(floats).tolist() == ["f=1 & s=0", "f=(missing) & s=0"]
    assert DecisionRule.from_json(rule.to_json()) == rule
    with pytest.raises(InputError, match=r"missing column.*'s'"):
        rule.cuts(pl.DataFrame({"f": [1]}))


def test_the_decision_view_judges_the_rule_and_keeps_the_order_within_groups() -> None:
    y, p, frame = biased()
    choice = choose_rule(y, p, frame, ("g",), VALUE)
    evidence = Evidence(
        Target("churn", Task.BINARY, ("No", "Yes")),
        frame,
        y,
        np.column_stack([1 - p, p]),
        np.column_stack([1 - p, p]),
        folds=np.zeros(len(y), dtype=np.int64),
    )
    plain = Threshold(0.3, "value", "per-group thresholds")
    view, threshold = decision_view(evidence, choice.rule, plain)
    assert threshold.value == pytest.approx(choice.rule.default)
    assert threshold.sentence == "per-group thresholds"
    decided = view.oof[:, 1] >= threshold.value
    assert decided.tolist() == (p >= choice.rule.cuts(frame)).tolist()
    for g in ("a", "b"):
        rows = frame["g"].to_numpy() == g
        order = np.argsort(p[rows], kind="stable")
        assert np.all(np.diff(view.oof[rows, 1][order]) >= 0)
    assert decision_view(evidence, None, plain) == (evidence, plain)
