"""The one way a fitted model becomes a model version.

Every builder (the tabular search, a forecast, a segmentation, a mitigation refit, a warm
start) ends in a `Built`: the manifest and files of a bundle, the out-of-fold evidence and the
lines of its summary. `register_built` saves the evidence, writes the summary every later stage
reads (members, ensemble, trials, notes, evidence, and the builder's own sections) and registers
the version, which signs and stores the bundle and records the event. What differs between
builders is what they put in `Built`, never how a version is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from modelward.registry import ModelVersion, register_model
from modelward.training.evidence import Evidence, save_evidence
from modelward.workspace import Workspace


@dataclass(frozen=True)
class Built:
    """A fitted model, exported and ready to register."""

    task: str
    metric: str
    score: float
    manifest: Mapping[str, Any]
    files: Mapping[str, bytes]
    evidence: Evidence
    members: tuple[Mapping[str, Any], ...]  # one line per member: family, weight, runtime
    trials: int  # search trials behind the model; 0 when it was not searched for
    ensemble: bool
    notes: tuple[str, ...] = ()
    sections: Mapping[str, Any] = field(default_factory=dict)  # the builder's own summary parts


def register_built(ws: Workspace, *, project: str, run_uid: str, built: Built) -> ModelVersion:
    """Save `built`'s evidence and register it as a candidate version of `project`."""
    summary: dict[str, Any] = {
        **built.sections,
        "members": [dict(m) for m in built.members],
        "ensemble": built.ensemble,
        "trials": built.trials,
        "notes": list(built.notes),
        "evidence": save_evidence(ws, built.evidence),
    }
    manifest = dict(built.manifest)
    return register_model(
        ws,
        project=project,
        run_uid=run_uid,
        task=built.task,
        metric=built.metric,
        score=built.score,
        summary=summary,
        input_schema=manifest["input_schema"],
        output_schema=manifest["output_schema"],
        manifest=manifest,
        files=built.files,
    )
