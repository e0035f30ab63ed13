"""Model families: a registry of fit / predict / export recipes the search draws from.

A built-in family's module is imported when the family is first named (`get_family`) or all of
them are asked for (`all_families()`): scoring a LightGBM model imports neither scikit-learn's
linear models nor CatBoost, and a bundle scored with ONNX imports no family at all.
"""

from modelward.training.families.base import (
    Artifact,
    Family,
    FitData,
    FitOptions,
    FittedModel,
    Model,
    SpaceContext,
)
from modelward.training.families.registry import (
    all_families,
    get_family,
    load_onnx,
    onnx_agreement,
    register,
)

__all__ = [
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
]
