"""The registry: names, order, search spaces that never clash, refusals that name the fix."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import optuna
import pytest

import modelward.training.families as families_package
from modelward.errors import Conflict, InputError
from modelward.spec.model import Task
from modelward.training.families import (
    FitData,
    FitOptions,
    SpaceContext,
    all_families,
    get_family,
    register,
)
from modelward.training.kinds import Kind, Style

NAMES = (
    "lightgbm",
    "xgboost",
    "linear",
    "hist_gb",
    "random_forest",
    "extra_trees",
    "tree",
    "catboost",
    "ebm",
    "prior",
    "one_rule",
    "linear_baseline",
)
CONTEXTS = [
    SpaceContext(Task.BINARY, 5000, 20, 2, imbalanced=True),
    SpaceContext(Task.MULTICLASS, 150, 4, 3, imbalanced=False),
    SpaceContext(Task.REGRESSION, 506, 13, 0, imbalanced=False),
]


def test_every_family_is_registered_in_order() -> None:
    assert tuple(f.name for f in all_families()) == NAMES


def test_kinds_and_styles() -> None:
    kinds = {f.name: f.kind for f in all_families()}
    assert {n for n, k in kinds.items() if k is Kind.BASELINE} == {
        "prior",
        "one_rule",
        "linear_baseline",
    }
    assert {n for n, k in kinds.items() if k is Kind.GLASSBOX} == {"linear", "tree", "ebm"}
    linear = {f.name for f in all_families() if f.style is Style.LINEAR}
    assert linear == {"linear", "prior", "linear_baseline"}
    assert {f.name for f in all_families() if f.boosted} == {
        "lightgbm",
        "xgboost",
        "catboost",
        "hist_gb",
    }
    assert all(f.summary and "\n" not in f.summary for f in all_families())


def test_public_names_are_exported() -> None:
    assert set(families_package.__all__) == {
        "Artifact",
        "Family",
        "FitData",
        "FitOptions",
        "FittedModel",
        "Model",
        "SpaceContext",
        "all_families",
        "get_family",
        "load_onnx",
        "onnx_agreement",
        "register",
    }
    assert all(hasattr(families_package, name) for name in families_package.__all__)


def test_unknown_family_names_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"family: got 'nope'; expected one of lightgbm, "):
        get_family("nope")


def test_a_second_family_of_the_same_name_conflicts() -> None:
    with pytest.raises(Conflict, match="'prior' is already registered"):
        register(get_family("prior"))


@pytest.mark.parametrize("ctx", CONTEXTS, ids=lambda c: c.task.value)
def test_spaces_prefix_their_parameters_and_return_json(ctx: SpaceContext) -> None:
    sampler = optuna.samplers.RandomSampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    for family in all_families():
        for _ in range(3):
            trial = study.ask()
            params = family.space(trial, ctx)
            assert json.loads(json.dumps(params)) == params
            assert all(key.startswith(f"{family.name}.") for key in trial.params)
            assert set(params) <= set(family.defaults(ctx)) | set(_fit_keys(family.name))
        assert json.loads(json.dumps(family.defaults(ctx))) == family.defaults(ctx)


def _fit_keys(name: str) -> set[str]:
    """Parameters a family's fit accepts beyond its defaults (searched only sometimes)."""
    return {"linear": {"alpha", "l1_ratio", "model"}}.get(name, set())


def test_balancing_is_searched_only_for_imbalanced_classes() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    balanced_ctx, plain_ctx = CONTEXTS[0], CONTEXTS[1]
    trial = study.ask()
    get_family("lightgbm").space(trial, plain_ctx)
    assert "lightgbm.balanced" not in trial.params
    trial = study.ask()
    get_family("lightgbm").space(trial, balanced_ctx)
    assert "lightgbm.balanced" in trial.params


def test_unknown_params_are_refused() -> None:
    data = _tiny()
    with pytest.raises(InputError, match=r"lightgbm params: got 'leaves'; expected names among"):
        get_family("lightgbm").fit({"leaves": 3}, data, FitOptions(seed=0))


def _tiny() -> FitData:
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    return FitData(Task.BINARY, x, np.array([0, 1] * 10), 2, ("a", "b"))


def test_fit_data_checks_its_shapes() -> None:
    x = np.zeros((4, 2))
    with pytest.raises(InputError, match=r"feature_names: got 1; expected 2 names"):
        FitData(Task.BINARY, x, np.array([0, 1, 0, 1]), 2, ("a",))
    with pytest.raises(InputError, match=r"n_classes: got 3; expected the class count"):
        FitData(Task.BINARY, x, np.array([0, 1, 0, 1]), 3, ("a", "b"))
    with pytest.raises(InputError, match=r"categorical: got \(5,\); expected column indices"):
        FitData(Task.BINARY, x, np.array([0, 1, 0, 1]), 2, ("a", "b"), (5,))
    with pytest.raises(InputError, match=r"X_valid: .*expected both or neither"):
        FitData(Task.BINARY, x, np.array([0, 1, 0, 1]), 2, ("a", "b"), X_valid=x)
    with pytest.raises(InputError, match=r"task: got 'auto'"):
        FitData(Task.AUTO, x, np.array([0, 1, 0, 1]), 2, ("a", "b"))


def test_fit_options_check_their_values() -> None:
    with pytest.raises(InputError, match=r"threads: got 0; expected an integer >= 1"):
        FitOptions(seed=0, threads=0)
    with pytest.raises(InputError, match=r"rounds: got 0; expected an integer >= 1 or None"):
        FitOptions(seed=0, rounds=0)


def test_predict_refuses_the_wrong_width() -> None:
    model = get_family("prior").fit({}, _tiny(), FitOptions(seed=0))
    with pytest.raises(InputError, match=r"X: got \(3, 5\); expected a matrix of 2 columns"):
        model.predict(np.zeros((3, 5)))


def test_a_built_in_name_conflicts_before_the_built_in_is_loaded() -> None:
    """Built-ins load on first use; registering one's name first still conflicts (in a fresh
    process, where nothing has loaded them yet)."""
    script = (
        "import dataclasses, sys\n"
        "from modelward.errors import Conflict\n"
        "from modelward.training.families import registry\n"
        "assert 'linear' not in registry._FAMILIES\n"
        "import modelward.training.families.prior as prior\n"
        "try:\n"
        "    registry.register(dataclasses.replace(prior.FAMILY, name='linear'))\n"
        "except Conflict as exc:\n"
        "    print('conflict:', exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert "conflict: model family 'linear' is already registered" in done.stdout
