"""Model versions: signed artifact bundles, stages, references."""

from modelward.registry.records import Bundle, ModelVersion, Stage
from modelward.registry.refs import ModelRef, parse_model_ref
from modelward.registry.service import get_model, list_models, load_bundle, register_model

__all__ = [
    "Bundle",
    "ModelRef",
    "ModelVersion",
    "Stage",
    "get_model",
    "list_models",
    "load_bundle",
    "parse_model_ref",
    "register_model",
]
