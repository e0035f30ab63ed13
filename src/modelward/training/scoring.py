"""Loading a registered model's scorer for the stages that need the model itself."""

from __future__ import annotations

from modelward.errors import InputError
from modelward.registry import ModelVersion, get_model, load_bundle
from modelward.spec import Task
from modelward.training.predictor import Predictor
from modelward.workspace import Workspace


def load_predictor(ws: Workspace, ref: str) -> tuple[ModelVersion, Predictor]:
    """A tabular model version and its verified, loaded predictor; InputError for a forecast
    or segmentation, which have no features-to-target predictor to warm-start or compare."""
    model = get_model(ws, ref)
    if model.task in (Task.FORECAST, Task.SEGMENT):
        raise InputError.field(
            "model", f"{model.ref} ({model.task})", "a binary, multiclass or regression model"
        )
    return model, Predictor.from_bundle(load_bundle(ws, model))
