"""The model families, by name: built-ins register here the way a plugin would."""

from __future__ import annotations

from modelward.errors import Conflict, InputError
from modelward.training.families.base import Family
from modelward.training.families.onnx_runtime import load_onnx, onnx_agreement

__all__ = ["families", "get_family", "load_onnx", "onnx_agreement", "register"]

# The one registry of families: filled at import by the family modules, then only read.
_FAMILIES: dict[str, Family] = {}


def register(family: Family) -> Family:
    """Add `family` under its name; a second family of the same name is a Conflict."""
    if family.name in _FAMILIES:
        raise Conflict(f"model family {family.name!r} is already registered")
    _FAMILIES[family.name] = family
    return family


def families() -> tuple[Family, ...]:
    """Every registered family, in registration order."""
    return tuple(_FAMILIES.values())


def get_family(name: str) -> Family:
    try:
        return _FAMILIES[name]
    except KeyError:
        known = ", ".join(_FAMILIES)
        raise InputError.field("family", name, f"one of {known}") from None
