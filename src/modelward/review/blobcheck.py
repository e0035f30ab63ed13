"""Every blob the records point at, read back and re-hashed: what is missing or corrupt, and
which records depend on it (`modelward audit verify --blobs`).

The chain proves the records were not edited; this proves the bytes they name are still there.
A bucket lifecycle rule, a restore from an old backup or a hand-deleted folder is found here,
before a deployment fails to load or an auditor asks for a report that is gone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from modelward.backends.store import (
    audits,
    dataset_versions,
    datasets,
    evaluations,
    model_versions,
    prediction_batches,
    projects,
)
from modelward.errors import IntegrityError, NotFound
from modelward.workspace import Workspace


@dataclass(frozen=True)
class BlobProblem:
    blob: str
    problem: str  # "missing", or "corrupt: …"
    used_by: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"blob": self.blob, "problem": self.problem, "used_by": list(self.used_by)}


@dataclass(frozen=True)
class BlobReport:
    checked: int
    problems: tuple[BlobProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "problems": [p.to_json() for p in self.problems],
        }


def check_blobs(ws: Workspace) -> BlobReport:
    """Read and re-hash every referenced blob; each problem names the records that need it."""
    uses = _references(ws)
    problems = []
    for blob in sorted(uses):
        problem = _problem(ws, blob)
        if problem is not None:
            problems.append(BlobProblem(blob, problem, tuple(uses[blob])))
    return BlobReport(len(uses), tuple(problems))


def _problem(ws: Workspace, blob: str) -> str | None:
    try:
        with ws.blobs.open_verified(blob):
            return None
    except NotFound:
        return "missing"
    except IntegrityError as exc:
        return f"corrupt: {exc.message}"


def _references(ws: Workspace) -> dict[str, list[str]]:
    uses: dict[str, list[str]] = defaultdict(list)
    with ws.transaction() as conn:
        data = conn.execute(
            select(
                datasets.c.name, dataset_versions.c.version, dataset_versions.c.content_hash
            ).join(datasets, datasets.c.id == dataset_versions.c.dataset_id)
        ).all()
        audited = conn.execute(
            select(datasets.c.name, dataset_versions.c.version, audits.c.html_blob)
            .join(dataset_versions, dataset_versions.c.id == audits.c.dataset_version_id)
            .join(datasets, datasets.c.id == dataset_versions.c.dataset_id)
        ).all()
        models = conn.execute(
            select(
                projects.c.name,
                model_versions.c.version,
                model_versions.c.manifest_sha256,
                model_versions.c.summary,
            ).join(projects, projects.c.id == model_versions.c.project_id)
        ).all()
        evaluated = conn.execute(
            select(projects.c.name, model_versions.c.version, evaluations.c.html_blob)
            .join(model_versions, model_versions.c.id == evaluations.c.model_version_id)
            .join(projects, projects.c.id == model_versions.c.project_id)
        ).all()
        logged = conn.execute(
            select(prediction_batches.c.deployment, prediction_batches.c.blob)
        ).all()
    for name, version, blob in data:
        uses[blob].append(f"dataset {name}@{version}")
    for name, version, blob in audited:
        uses[blob].append(f"the audit of dataset {name}@{version}")
    for project, version, blob in evaluated:
        uses[blob].append(f"an evaluation report of model {project}/v{version}")
    for deployment, blob in logged:
        uses[blob].append(f"the prediction log of deployment {deployment}")
    for project, version, manifest, summary in models:
        _model_uses(ws, uses, f"model {project}/v{version}", manifest, summary)
    return uses


def _model_uses(
    ws: Workspace, uses: dict[str, list[str]], model: str, manifest: str, summary: str
) -> None:
    uses[manifest].append(f"{model} (its signed manifest)")
    evidence = _json(summary).get("evidence")
    if isinstance(evidence, dict) and isinstance(evidence.get("blob"), str):
        uses[evidence["blob"]].append(f"{model} (its training evidence)")
    try:
        files = _json(ws.blobs.read_bytes(manifest).decode("utf-8")).get("files")
    except (NotFound, IntegrityError, UnicodeDecodeError):
        return  # the manifest itself is reported; its files cannot be listed without it
    for name, entry in (files or {}).items():
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str):
            uses[entry["sha256"]].append(f"{model} (file {name})")


def _json(text: str) -> dict[str, Any]:
    try:
        found = json.loads(text)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
