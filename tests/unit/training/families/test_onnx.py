"""ONNX exports: they load, they have the native shapes, and on held rows they agree."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from modelward.errors import IntegrityError
from modelward.spec.model import Task
from modelward.training.families import Artifact, FitOptions, get_family, load_onnx, onnx_agreement
from modelward.training.kinds import Style
from tests.unit.training.families.data import Problem
from tests.unit.training.families.fast import fast_params

TOLERANCE = 1e-5
# Families whose ONNX export must match the native model on wa_churn's held rows.
AGREEING = ["linear", "linear_baseline", "lightgbm", "random_forest", "xgboost", "extra_trees",
            "tree"]  # fmt: skip
NO_ONNX = ["prior", "one_rule", "ebm"]


def _problem(name: str, churn_tree: Problem, churn_linear: Problem) -> Problem:
    return churn_linear if get_family(name).style is Style.LINEAR else churn_tree


@pytest.mark.parametrize("name", AGREEING)
def test_onnx_agrees_on_held_churn_rows(
    name: str, churn_tree: Problem, churn_linear: Problem
) -> None:
    family = get_family(name)
    problem = _problem(name, churn_tree, churn_linear)
    params = fast_params(family, problem)
    if name == "random_forest":
        params["n_estimators"] = 100
    model = family.fit(params, problem.data(early_stopping=family.boosted), FitOptions(seed=0))
    artifact = model.export_onnx()
    assert artifact is not None
    assert (artifact.format, artifact.filename) == ("onnx", "model.onnx")
    assert onnx_agreement(model, artifact, problem.x_held) <= TOLERANCE
    onnx_model = load_onnx(artifact)
    assert onnx_model.family == "onnx"
    assert onnx_model.rounds is None
    assert onnx_model.predict(problem.x_held).shape == (len(problem.held), 2)


@pytest.mark.parametrize("task", [Task.MULTICLASS, Task.REGRESSION])
@pytest.mark.parametrize("name", ["linear", "lightgbm", "random_forest"])
def test_onnx_shapes_for_other_tasks(
    name: str, task: Task, small: dict[tuple[Task, Style], Problem]
) -> None:
    family = get_family(name)
    problem = small[task, family.style]
    model = family.fit(
        fast_params(family, problem),
        problem.data(early_stopping=family.boosted),
        FitOptions(seed=0),
    )
    artifact = model.export_onnx()
    assert artifact is not None
    native, exported = model.predict(problem.x_held), load_onnx(artifact).predict(problem.x_held)
    assert exported.shape == native.shape
    # Classifiers agree to float32 precision; regressors sum leaves in float32, so their error
    # grows with the target's scale (Boston's medv is in the tens): checked relative to it.
    assert np.max(np.abs(exported - native)) <= TOLERANCE * max(1.0, float(np.abs(native).max()))


def test_catboost_exports_onnx_only_without_categorical_features(churn_tree: Problem) -> None:
    family = get_family("catboost")
    params = fast_params(family, churn_tree)
    with_codes = family.fit(params, churn_tree.data(early_stopping=True), FitOptions(seed=0))
    assert with_codes.export_onnx() is None
    numeric = churn_tree.data(early_stopping=True)
    numeric = replace(numeric, categorical=())
    model = family.fit(params, numeric, FitOptions(seed=0))
    artifact = model.export_onnx()
    assert artifact is not None
    assert onnx_agreement(model, artifact, churn_tree.x_held) <= TOLERANCE


def test_hist_gb_onnx_is_none_or_agrees(small: dict[tuple[Task, Style], Problem]) -> None:
    """skl2onnx 1.20 cannot write this model under numpy 2: None, never an error."""
    problem = small[Task.BINARY, Style.TREE]
    family = get_family("hist_gb")
    model = family.fit({}, problem.data(early_stopping=True), FitOptions(seed=0))
    artifact = model.export_onnx()
    assert artifact is None or onnx_agreement(model, artifact, problem.x_held) <= TOLERANCE


@pytest.mark.parametrize("name", NO_ONNX)
def test_families_without_a_converter_return_none(
    name: str, small: dict[tuple[Task, Style], Problem]
) -> None:
    family = get_family(name)
    problem = small[Task.MULTICLASS, family.style]
    model = family.fit(fast_params(family, problem), problem.data(), FitOptions(seed=0))
    assert model.export_onnx() is None


def test_load_onnx_refuses_what_is_not_onnx() -> None:
    with pytest.raises(IntegrityError, match="expected an onnx artifact, got format 'json'"):
        load_onnx(Artifact("json", "model.json", b"{}"))
    with pytest.raises(IntegrityError, match=r"onnx artifact 'model\.onnx' does not load"):
        load_onnx(Artifact("onnx", "model.onnx", b"not a graph"))
