"""Artifacts: skops trusts only what was recorded, JSON baselines say what they hold."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from modelward.errors import IntegrityError, Tampered
from modelward.spec.model import Task
from modelward.training.families import Artifact, FitOptions, get_family, skops_format
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem
from tests.unit.training.families.fast import fast_params


@pytest.fixture(scope="module")
def churn(small: dict[tuple[Task, Style], Problem]) -> Problem:
    return small[Task.BINARY, Style.TREE]


def _fit(name: str, problem: Problem) -> Artifact:
    family = get_family(name)
    data = problem.data(early_stopping=family.boosted)
    return family.fit(fast_params(family, problem), data, FitOptions(seed=0)).export()


def test_skops_records_the_types_it_trusts(churn: Problem) -> None:
    artifact = _fit("random_forest", churn)
    assert (artifact.format, artifact.filename) == ("skops", "model.skops")
    assert artifact.trusted == ("sklearn.tree._tree.Tree",)


def test_skops_refuses_types_not_recorded(churn: Problem) -> None:
    artifact = replace(_fit("random_forest", churn), trusted=())
    with pytest.raises(Tampered, match=r"holds types not recorded as trusted: sklearn\.tree"):
        get_family("random_forest").load(artifact)


def test_skops_refuses_a_trust_list_outside_the_family(churn: Problem) -> None:
    artifact = replace(_fit("tree", churn), trusted=("sklearn.tree._tree.Tree", "os.system"))
    with pytest.raises(Tampered, match=r"needs types outside sklearn\., numpy\.: \['os.system'\]"):
        get_family("tree").load(artifact)


class Foreign:
    """A type of no family's library."""


def test_skops_dump_refuses_foreign_types() -> None:
    with pytest.raises(IntegrityError, match=r"needs types outside sklearn\.: \['tests\."):
        skops_format.dump(Foreign(), allowed=("sklearn.",))


@pytest.mark.parametrize(
    ("name", "fmt", "filename"),
    [
        ("lightgbm", "lightgbm", "model.txt"),
        ("xgboost", "xgboost", "model.ubj"),
        ("catboost", "catboost", "model.cbm"),
        ("prior", "json", "model.json"),
    ],
)
def test_native_formats(name: str, fmt: str, filename: str, churn: Problem) -> None:
    artifact = _fit(name, churn)
    assert (artifact.format, artifact.filename, artifact.trusted) == (fmt, filename, ())


@pytest.mark.parametrize("name", ["lightgbm", "xgboost", "catboost", "prior", "linear"])
def test_a_wrong_format_is_refused(name: str) -> None:
    with pytest.raises(Tampered, match="expected a"):
        get_family(name).load(Artifact("onnx", "model.onnx", b"\x00"))


def test_one_rule_records_its_feature(churn: Problem) -> None:
    artifact = _fit("one_rule", churn)
    document = json.loads(artifact.data)
    assert document["family"] == "one_rule"
    # Contract length is the strongest single churn signal in this data set.
    assert document["feature_name"] in {"contract", "tenure"}
    assert churn.names[document["feature"]] == document["feature_name"]
    assert len(document["left"]) <= 7  # a depth-2 tree


def test_one_rule_matches_sklearn_on_its_feature(churn: Problem) -> None:
    from sklearn.tree import DecisionTreeClassifier

    from modelward.training.families.matrices import float32_grid

    model = get_family("one_rule").fit({}, churn.data(), FitOptions(seed=0))
    document = json.loads(model.export().data)
    column = float32_grid(churn.x[:, [document["feature"]]])
    rows = np.concatenate([churn.fit, churn.stop])
    leaf = max(1, int(0.01 * len(rows)))
    tree = DecisionTreeClassifier(max_depth=2, min_samples_leaf=leaf, random_state=0)
    tree.fit(column[rows], churn.y[rows])
    assert np.allclose(model.predict(churn.x_held), tree.predict_proba(column[churn.held]))


def test_json_of_another_family_is_refused(churn: Problem) -> None:
    artifact = _fit("prior", churn)
    with pytest.raises(Tampered, match="is not a one_rule model"):
        get_family("one_rule").load(artifact)
    with pytest.raises(Tampered, match="does not parse"):
        get_family("prior").load(Artifact("json", "model.json", b"{"))
