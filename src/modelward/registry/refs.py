"""Parse model references: `churn`, `churn/v3`, `churn/3`, `churn@3`, `churn@production`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelward.errors import InputError
from modelward.refs import parse_ref
from modelward.registry.records import Stage, model_ref

FIELD = "model reference"
FORMS = (
    "PROJECT (newest), PROJECT/vN, PROJECT/N, PROJECT@N, PROJECT@latest or PROJECT@STAGE "
    f"({', '.join(s.value for s in Stage)}), e.g. churn/v3 or churn@production"
)
LATEST = "latest"
_SLASH_VERSION = re.compile(r"v?(?P<number>[0-9]{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class ModelRef:
    """A project plus at most one selector: a version number or a stage; neither is newest."""

    project: str
    version: int | None = None
    stage: Stage | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return model_ref(self.project, self.version)
        if self.stage is not None:
            return f"{self.project}@{self.stage.value}"
        return self.project


def parse_model_ref(text: str) -> ModelRef:
    """The reference `text` names; `InputError` listing the accepted forms when it is malformed."""
    if not isinstance(text, str):
        raise InputError.field(FIELD, text, FORMS)
    name, slash, selector = text.strip().partition("/")
    if slash:
        return _slash_form(text, name, selector)
    try:
        parsed = parse_ref(text, field=FIELD)
    except InputError as exc:
        raise InputError.field(FIELD, text, FORMS) from exc
    if parsed.version is not None:
        return ModelRef(parsed.name, version=parsed.version)
    if parsed.label is None or parsed.label == LATEST:
        return ModelRef(parsed.name)
    try:
        return ModelRef(parsed.name, stage=Stage(parsed.label))
    except ValueError as exc:
        raise InputError.field(FIELD, text, FORMS) from exc


def _slash_form(text: str, name: str, selector: str) -> ModelRef:
    match = _SLASH_VERSION.fullmatch(selector)
    if match is None or int(match["number"]) < 1:
        raise InputError.field(FIELD, text, FORMS)
    try:
        parsed = parse_ref(name, field=FIELD)
    except InputError as exc:
        raise InputError.field(FIELD, text, FORMS) from exc
    if parsed.version is not None or parsed.label is not None:
        raise InputError.field(FIELD, text, FORMS)
    return ModelRef(parsed.name, version=int(match["number"]))
