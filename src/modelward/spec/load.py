"""Read a `modelward.yaml` and turn every problem into one message per wrong field."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from modelward.errors import InputError
from modelward.spec.model import NAME_PATTERN, ProjectSpec

PATTERN_HELP = {
    NAME_PATTERN: "expected letters, digits, `_`, `.` or `-`, starting with a letter or digit, "
    "at most 64 characters",
    r"^[A-Z]{3}$": "expected a three-letter ISO 4217 currency code such as USD or EUR",
}


def load_spec_file(path: Path) -> ProjectSpec:
    if not path.is_file():
        hint = "a folder" if path.is_dir() else "missing"
        raise InputError(f"{path}: {hint}; expected a modelward.yaml project spec file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason}); save it as UTF-8") from exc
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from exc
    return parse_spec(data, source=str(path))


def parse_spec(data: Any, *, source: str = "spec") -> ProjectSpec:
    if not isinstance(data, Mapping):
        raise InputError.field(source, type(data).__name__, "a mapping with at least `name`")
    try:
        return ProjectSpec.model_validate(data)
    except ValidationError as exc:
        raise InputError(spec_errors(exc, source)) from exc


def spec_errors(exc: ValidationError, source: str) -> str:
    """One line per wrong field: its path, the value given and what is expected."""
    lines = [f"{source}: {exc.error_count()} problem(s)"]
    for error in exc.errors(include_url=False):
        path = ".".join(str(part) for part in error["loc"]) or "(top level)"
        got = "" if error["type"] == "missing" else f"got {_short(error.get('input'))}; "
        lines.append(f"  {path}: {got}{_expected(error)}")
    return "\n".join(lines)


def _expected(error: Mapping[str, Any]) -> str:
    kind, msg = error["type"], str(error["msg"])
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field; remove it or check its spelling"
    if kind == "string_pattern_mismatch":
        pattern = str(error.get("ctx", {}).get("pattern", ""))
        return PATTERN_HELP.get(pattern, msg)
    if kind == "value_error":
        return msg.removeprefix("Value error, ")
    return "expected " + msg[0].lower() + msg[1:]


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"{getattr(exc, 'problem', None) or exc}{where}"
