"""Model families: a registry of fit / predict / export recipes the search draws from.

Importing this package registers every built-in family, in the order `families()` lists them.
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
    families,
    get_family,
    load_onnx,
    onnx_agreement,
    register,
)

# isort: off
# Import order is registration order, the order in which the search tries each family's
# defaults: strong and fast first, the slow ones (CatBoost, EBM) last so that a short budget
# still sees the others; baselines last (the search runs those first anyway).
from modelward.training.families import boost_lightgbm
from modelward.training.families import boost_xgboost
from modelward.training.families import linear
from modelward.training.families import hist_gb
from modelward.training.families import forests
from modelward.training.families import tree
from modelward.training.families import boost_catboost
from modelward.training.families import ebm
from modelward.training.families import prior
from modelward.training.families import one_rule
from modelward.training.families import linear_baseline

# isort: on

BUILTIN_MODULES = (
    boost_lightgbm,
    boost_xgboost,
    linear,
    hist_gb,
    forests,
    tree,
    boost_catboost,
    ebm,
    prior,
    one_rule,
    linear_baseline,
)

__all__ = [
    "Artifact",
    "Family",
    "FitData",
    "FitOptions",
    "FittedModel",
    "Model",
    "SpaceContext",
    "families",
    "get_family",
    "load_onnx",
    "onnx_agreement",
    "register",
]
