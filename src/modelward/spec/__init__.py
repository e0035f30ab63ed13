"""The project spec: task, target, metric, gates, value model, prices, people."""

from modelward.spec.load import load_spec_file, parse_spec
from modelward.spec.model import (
    Forecast,
    Gate,
    Prices,
    ProjectSpec,
    Segments,
    Staleness,
    Task,
    ValueModel,
)

__all__ = [
    "Forecast",
    "Gate",
    "Prices",
    "ProjectSpec",
    "Segments",
    "Staleness",
    "Task",
    "ValueModel",
    "load_spec_file",
    "parse_spec",
]
