"""What a check reports: a severity, a sentence for people, figures for machines."""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from modelward.errors import InputError

JSON: TypeAlias = str | int | float | bool | Sequence["JSON"] | Mapping[str, "JSON"] | None


@functools.total_ordering
class Severity(enum.Enum):
    """How much a finding matters; ordered ``info < warning < error``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank

    @classmethod
    def parse(cls, text: str) -> Severity:
        """The severity named ``text``; an `InputError` naming the allowed values otherwise."""
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError.field("severity", text, "one of info, warning, error") from None


_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    """One observation of one check, about the whole table or one column.

    ``message`` is a full sentence naming the column and the figures; ``details`` holds the same
    figures as JSON values for tools (gates, the web UI); treat them as read-only.
    """

    check: str
    severity: Severity
    message: str
    column: str | None = None
    details: Mapping[str, JSON] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A copy, so that the caller's dict cannot change a frozen record; a plain dict (not a
        # read-only proxy) so that findings pickle, e.g. back from a worker process.
        object.__setattr__(self, "details", dict(self.details))

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity.value,
            "message": self.message,
            "column": self.column,
            "details": dict(self.details),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        return cls(
            check=str(data["check"]),
            severity=Severity.parse(str(data["severity"])),
            message=str(data["message"]),
            column=None if data.get("column") is None else str(data["column"]),
            details=dict(data.get("details") or {}),
        )
