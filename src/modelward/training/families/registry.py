"""The model families, by name: built-ins register here the way a plugin would."""

from __future__ import annotations

import importlib

from modelward.errors import Conflict, InputError
from modelward.training.families.base import Family
from modelward.training.families.onnx_runtime import load_onnx, onnx_agreement

__all__ = ["all_families", "get_family", "load_onnx", "onnx_agreement", "register"]

# The built-in families and the module that registers each, in the order the search tries
# their defaults: strong and fast first, the slow ones (CatBoost, EBM) last so that a short
# budget still sees the others; baselines last (the search runs those first anyway).
BUILTIN: dict[str, str] = {
    "lightgbm": "boost_lightgbm",
    "xgboost": "boost_xgboost",
    "linear": "linear",
    "hist_gb": "hist_gb",
    "random_forest": "forests",
    "extra_trees": "forests",
    "tree": "tree",
    "catboost": "boost_catboost",
    "ebm": "ebm",
    "prior": "prior",
    "one_rule": "one_rule",
    "linear_baseline": "linear_baseline",
}

# The one registry of families: filled by the family modules as they are imported.
_FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add `family` under its name; a second family of the same name is a Conflict."""
    if family.name in BUILTIN:
        _load_builtin(family.name)  # a built-in's own module is importing already: no-op then
    if family.name in _FAMILIES:
        raise Conflict(f"model family {family.name!r} is already registered")
    _FAMILIES[family.name] = family
    return family


def all_families() -> tuple[Family, ...]:
    """Every family: the built-ins in their order, then the others in registration order."""
    for name in BUILTIN:
        _load_builtin(name)
    builtin = [_FAMILIES[name] for name in BUILTIN]
    return (*builtin, *(f for name, f in _FAMILIES.items() if name not in BUILTIN))


def get_family(name: str) -> Family:
    if name in BUILTIN:
        _load_builtin(name)
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join([*BUILTIN, *(n for n in _FAMILIES if n not in BUILTIN)])
        raise InputError.field("family", name, f"one of {known}") from None


def _load_builtin(name: str) -> None:
    if name not in _FAMILIES:
        importlib.import_module(f"modelward.training.families.{BUILTIN[name]}")
