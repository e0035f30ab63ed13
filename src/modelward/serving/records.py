"""Frozen records of deployments: routes, options, revisions.

A deployment's routes are one immutable value. Servers swap the whole value when the stored
generation changes, so a request is always routed by one consistent set, never half of a switch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Self

from sqlalchemy import Row

from modelward.errors import InputError


class Validation(StrEnum):
    """How strictly request values are held to the training data's contract."""

    STRICT = "strict"  # types, plus categories and numeric ranges seen in training (422 outside)
    # Types refused; unseen categories and out-of-range numbers scored and flagged in the
    # answer (`out_of_contract`) and the log, where monitoring counts them.
    FLAG = "flag"
    TYPES = "types"  # types only: unseen categories and out-of-range numbers are scored

    @classmethod
    def parse(cls, text: str) -> Validation:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError.field("--validation", text, "flag | strict | types") from None


class Answers(StrEnum):
    """What a prediction answer's body holds."""

    # {"predictions": [{"prediction", "proba_<class>", "decision", ...}], "model", "request_id"}
    MODELWARD = "modelward"
    # {"predictions": [<prediction>, ...]}: what MLflow's clients read, unchanged
    MLFLOW = "mlflow"

    @classmethod
    def parse(cls, text: str, *, field: str = "--answers") -> Answers:
        try:
            return cls(text.strip().lower())
        except ValueError:
            raise InputError.field(field, text, "modelward | mlflow") from None


class RouteName(StrEnum):
    PRIMARY = "primary"
    CANARY = "canary"
    SHADOW = "shadow"


@dataclass(frozen=True)
class Routes:
    """One primary model, an optional canary taking `canary_weight`% of requests, an optional
    shadow scored on every request (mirrored, logged, never returned)."""

    primary: str
    canary: str | None = None
    canary_weight: float = 0.0
    shadow: str | None = None

    def __post_init__(self) -> None:
        if self.canary is None and self.canary_weight:
            raise InputError.field("--weight", self.canary_weight, "0 without a canary")
        if not 0.0 <= self.canary_weight <= 100.0:
            raise InputError.field("--weight", self.canary_weight, "a percentage from 0 to 100")

    def models(self) -> dict[RouteName, str]:
        found = {RouteName.PRIMARY: self.primary}
        if self.canary is not None:
            found[RouteName.CANARY] = self.canary
        if self.shadow is not None:
            found[RouteName.SHADOW] = self.shadow
        return found

    def with_canary(self, model: str | None, weight: float) -> Routes:
        return replace(self, canary=model, canary_weight=weight if model else 0.0)

    def to_json(self) -> dict[str, Any]:
        return {
            "primary": self.primary,
            "canary": self.canary,
            "canary_weight": self.canary_weight,
            "shadow": self.shadow,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Routes:
        canary = data.get("canary")
        shadow = data.get("shadow")
        return cls(
            str(data["primary"]),
            None if canary is None else str(canary),
            float(data.get("canary_weight") or 0.0),
            None if shadow is None else str(shadow),
        )


@dataclass(frozen=True)
class DeploymentOptions:
    """Per-deployment serving behaviour; each has a safe default."""

    validation: Validation = Validation.FLAG
    round_probabilities: int | None = None  # decimals kept in returned probabilities
    sticky_key: str | None = None  # request field (or header) that pins a caller to one route
    # Under strict validation, a batch answers per row: rows outside the contract get an error
    # in their place and the others are scored, instead of one 422 for the whole batch.
    per_row: bool = False
    answers: Answers = Answers.MODELWARD  # a request's `x-modelward-answers` header overrides

    def __post_init__(self) -> None:
        digits = self.round_probabilities
        if digits is not None and not 1 <= digits <= 6:
            raise InputError.field("--round", digits, "1 to 6 decimals (or no rounding)")
        if self.per_row and self.validation is not Validation.STRICT:
            raise InputError.field(
                "--per-row", f"with --validation {self.validation}", "--validation strict"
            )

    def to_json(self) -> dict[str, Any]:
        return {
            "validation": self.validation.value,
            "round_probabilities": self.round_probabilities,
            "sticky_key": self.sticky_key,
            "per_row": self.per_row,
            "answers": self.answers.value,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        digits = data.get("round_probabilities")
        return cls(
            Validation(data.get("validation", Validation.STRICT.value)),
            None if digits is None else int(digits),
            data.get("sticky_key"),
            bool(data.get("per_row", False)),
            Answers(data.get("answers", Answers.MODELWARD.value)),
        )


@dataclass(frozen=True)
class Deployment:
    name: str
    routes: Routes
    options: DeploymentOptions
    generation: int
    created_at: str
    created_by: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "routes": self.routes.to_json(),
            "options": self.options.to_json(),
            "generation": self.generation,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "updated_at": self.updated_at,
        }

    @classmethod
    def from_row(cls, row: Row[Any]) -> Deployment:
        return cls(
            row.name,
            Routes.from_json(json.loads(row.routes)),
            DeploymentOptions.from_json(json.loads(row.options)),
            row.generation,
            row.created_at,
            row.created_by,
            row.updated_at,
        )


@dataclass(frozen=True)
class Revision:
    """One change of a deployment's routes: what it became, by whom, and why."""

    deployment: str
    generation: int
    action: str
    routes: Routes
    created_at: str
    created_by: str

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "generation": self.generation,
            "action": self.action,
            "routes": self.routes.to_json(),
            "created_at": self.created_at,
            "created_by": self.created_by,
        }
