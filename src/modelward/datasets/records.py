"""Frozen records of the datasets stage."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from modelward.datasets.contract import Contract


@dataclass(frozen=True)
class DatasetVersion:
    """One immutable, content-addressed version of a named dataset."""

    id: int
    name: str
    version: int
    content_hash: str
    n_rows: int
    n_columns: int
    size_bytes: int
    source: dict[str, Any]
    contract: Contract
    parent: str | None
    project: str | None
    created_at: str
    created_by: str

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def to_json(self) -> dict[str, Any]:
        return {
            "ref": self.ref,
            "name": self.name,
            "version": self.version,
            "content_hash": self.content_hash,
            "n_rows": self.n_rows,
            "n_columns": self.n_columns,
            "size_bytes": self.size_bytes,
            "source": self.source,
            "parent": self.parent,
            "project": self.project,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "contract": self.contract.to_json(),
        }


@dataclass(frozen=True)
class AddResult:
    """What `add_dataset` did: the version, and whether it is new or the same content again."""

    version: DatasetVersion
    created: bool
    notes: tuple[str, ...] = ()
