"""References to versioned things: `churn` (latest), `churn@3`, `churn@production`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from modelward.errors import InputError

_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
_REF = re.compile(rf"^(?P<name>{_NAME})(?:@(?P<selector>[A-Za-z0-9_-]{{1,64}}))?$")
_NAME_ONLY = re.compile(rf"^{_NAME}$")


@dataclass(frozen=True)
class Ref:
    """A name plus an optional selector: a version number or a label such as `production`."""

    name: str
    version: int | None = None
    label: str | None = None

    def __str__(self) -> str:
        if self.version is not None:
            return f"{self.name}@{self.version}"
        if self.label is not None:
            return f"{self.name}@{self.label}"
        return self.name


def parse_ref(text: str, *, field: str = "reference") -> Ref:
    match = _REF.match(text.strip())
    if not match:
        raise InputError.field(field, text, "NAME, NAME@VERSION or NAME@LABEL, e.g. churn@3")
    selector = match["selector"]
    if selector is None:
        return Ref(match["name"])
    if selector.isdigit():
        version = int(selector)
        if version < 1:
            raise InputError.field(field, text, "a version number of 1 or more")
        return Ref(match["name"], version=version)
    return Ref(match["name"], label=selector.lower())


def check_name(text: str, *, field: str = "--name") -> str:
    if not _NAME_ONLY.match(text):
        raise InputError.field(
            field, text, "letters, digits, `_`, `.` or `-`, starting with a letter or digit"
        )
    return text
