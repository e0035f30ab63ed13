"""Frozen records and the stage machine of the model registry."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    """Where a model version stands: candidate -> staging -> production -> archived."""

    CANDIDATE = "candidate"
    STAGING = "staging"
    PRODUCTION = "production"
    ARCHIVED = "archived"

    def can_move_to(self, other: Stage) -> bool:
        """Forward only (staging may be skipped), or to the archive; archived is final."""
        if self is Stage.ARCHIVED:
            return False
        return _ORDER.index(other) > _ORDER.index(self)

    def next(self) -> Stage:
        """The next stage forward (archived stays archived)."""
        return _ORDER[min(_ORDER.index(self) + 1, len(_ORDER) - 1)]


_ORDER = (Stage.CANDIDATE, Stage.STAGING, Stage.PRODUCTION, Stage.ARCHIVED)


def model_ref(project: str, version: int) -> str:
    """The printed reference of a version, e.g. `churn/v3`."""
    return f"{project}/v{version}"


@dataclass(frozen=True)
class ModelVersion:
    """A registered model: its signed manifest's hash and what it was trained to do.

    The bytes are not here; `load_bundle` returns them after checking the signature.
    """

    id: int
    project: str
    version: int
    run: str | None
    stage: Stage
    task: str
    metric: str
    score: float | None
    summary: dict[str, Any]
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    manifest_sha256: str
    signature: str
    key_id: str
    size_bytes: int
    created_at: str
    created_by: str

    @property
    def ref(self) -> str:
        return model_ref(self.project, self.version)

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "project": self.project,
            "version": self.version,
            "run": self.run,
            "stage": self.stage.value,
            "task": self.task,
            "metric": self.metric,
            "score": self.score,
            "summary": self.summary,
            "input_schema": self.input_schema,
            "output_schema": self.output_schema,
            "manifest_sha256": self.manifest_sha256,
            "signature": self.signature,
            "key_id": self.key_id,
            "size_bytes": self.size_bytes,
            "created_at": self.created_at,
            "created_by": self.created_by,
        }


@dataclass(frozen=True)
class Bundle:
    """A model version's manifest and files, every byte checked against the signed manifest."""

    manifest: dict[str, Any]
    files: dict[str, bytes] = field(repr=False)
