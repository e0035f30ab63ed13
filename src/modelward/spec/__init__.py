"""The project spec: task, target, metric, gates, value model, prices, people."""

from modelward.spec.load import load_spec_file, parse_spec
from modelward.spec.model import (
    FAIRNESS_BOUNDED,
    Forecast,
    Gate,
    Prices,
    ProjectSpec,
    Segments,
    Staleness,
    Task,
)
from modelward.spec.value import NO_ACTION, Action, Activity, People, ValueModel

__all__ = [
    "FAIRNESS_BOUNDED",
    "NO_ACTION",
    "Action",
    "Activity",
    "Forecast",
    "Gate",
    "People",
    "Prices",
    "ProjectSpec",
    "Segments",
    "Staleness",
    "Task",
    "ValueModel",
    "load_spec_file",
    "parse_spec",
]
