"""The tabular bundle's manifest as typed records: what scoring, explaining, warm starts,
mitigation and the model card read, in place of string keys into a dict.

`TabularManifest.from_json` reads every manifest the format `modelward.bundle/1` has written
(the fixtures in tests/fixtures are manifests stored by earlier releases), and needs no more
than scoring does (target, encoders, members, input schema); `to_json` writes back exactly what
a release wrote, keys this release does not know included (a newer release may add some), so a
stored manifest read and written again is the same JSON. A forecast's and a segmentation's
bundles have formats of their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from modelward.training.kinds import Style

BUNDLE_FORMAT = "modelward.bundle/1"
FILES_KEY = "files"  # written by the registry when it stores the bundle: name -> sha256, size

EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True)
class NativeFile:
    """A member's artifact in its library's own format (or skops / json)."""

    format: str
    file: str
    trusted: tuple[str, ...] = ()  # skops types the loader may construct

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> NativeFile:
        return cls(str(data["format"]), str(data["file"]), tuple(data.get("trusted", ())))

    def to_json(self) -> dict[str, Any]:
        return {"format": self.format, "file": self.file, "trusted": list(self.trusted)}


@dataclass(frozen=True)
class OnnxFile:
    """A member's ONNX copy and how far its predictions were from the native model's."""

    file: str
    max_abs_diff: float

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> OnnxFile:
        return cls(str(data["file"]), float(data["max_abs_diff"]))

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "max_abs_diff": self.max_abs_diff}


# The keys a member entry has had; any other is kept in `extra` and written back as read.
_MEMBER_KEYS = frozenset(
    {"family", "style", "weight", "params", "rounds", "trial", "native", "onnx", "runtime"}
)


@dataclass(frozen=True)
class MemberEntry:
    """One ensemble member: its family, weight, parameters and the files that hold it."""

    family: str
    style: Style
    weight: float
    params: Mapping[str, Any]
    rounds: int | None  # boosting rounds kept; None for a family that does not boost
    native: NativeFile
    onnx: OnnxFile | None
    runtime: str  # "onnx", or the native format it scores on
    trial: int | None = None  # the search trial it came from (None: not from a search)
    extra: Mapping[str, Any] = field(default_factory=dict)  # e.g. "warm_start"

    @property
    def scores_on_onnx(self) -> bool:
        return self.onnx is not None and self.runtime == "onnx"

    def summary_line(self) -> dict[str, Any]:
        """The member as a version's summary lists it: family, weight, runtime."""
        runtime = "onnx" if self.runtime == "onnx" else self.native.format
        return {"family": self.family, "weight": self.weight, "runtime": runtime}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MemberEntry:
        rounds, trial, onnx = data.get("rounds"), data.get("trial"), data.get("onnx")
        return cls(
            family=str(data["family"]),
            style=Style(data["style"]),
            weight=float(data["weight"]),
            params=MappingProxyType(dict(data.get("params") or {})),
            rounds=None if rounds is None else int(rounds),
            native=NativeFile.from_json(data["native"]),
            onnx=None if onnx is None else OnnxFile.from_json(onnx),
            runtime=str(data.get("runtime", "onnx")),
            trial=None if trial is None else int(trial),
            extra=_extra(data, _MEMBER_KEYS),
        )

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "family": self.family,
            "style": self.style.value,
            "weight": self.weight,
            "params": dict(self.params),
            "rounds": self.rounds,
            "native": self.native.to_json(),
            "onnx": None if self.onnx is None else self.onnx.to_json(),
            "runtime": self.runtime,
        }
        if self.trial is not None:
            found["trial"] = self.trial
        return found | dict(self.extra)


_MANIFEST_KEYS = frozenset(
    {
        "format",
        "target",
        "plan",
        "encoders",
        "members",
        "input_schema",
        "output_schema",
        "metric",
        "cv_score",
        "decision",
        FILES_KEY,
    }
)


@dataclass(frozen=True)
class TabularManifest:
    """Everything needed to score a tabular model, next to its artifact files.

    `target`, `plan`, `encoders` and the schemas are the JSON of their own records
    (`Target`, `FeaturePlan`, `Encoder`, `InputSchema`), read by those records' `from_json`.
    """

    target: Mapping[str, Any]
    encoders: Mapping[str, Mapping[str, Any]]  # style -> encoder
    members: tuple[MemberEntry, ...]
    input_schema: Mapping[str, Any]
    plan: Mapping[str, Any] = field(default_factory=dict)
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    metric: str | None = None
    cv_score: float | None = None
    decision: Mapping[str, Any] | None = None  # a per-group decision rule (mitigation)
    files: Mapping[str, Any] | None = None  # name -> sha256 and size, once registered
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TabularManifest:
        """The record of a stored manifest; ValueError when it is not a tabular bundle's."""
        found = data.get("format")
        if found != BUNDLE_FORMAT:
            raise ValueError(f"not a modelward bundle: format {found!r}")
        decision, files = data.get("decision"), data.get(FILES_KEY)
        metric, score = data.get("metric"), data.get("cv_score")
        return cls(
            target=data["target"],
            encoders=data["encoders"],
            members=tuple(MemberEntry.from_json(m) for m in data["members"]),
            input_schema=data["input_schema"],
            plan=data.get("plan") or {},
            output_schema=data.get("output_schema") or {},
            metric=None if metric is None else str(metric),
            cv_score=None if score is None else float(score),
            decision=decision,
            files=files,
            extra=_extra(data, _MANIFEST_KEYS),
        )

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "format": BUNDLE_FORMAT,
            "target": self.target,
            "plan": self.plan,
            "encoders": self.encoders,
            "members": [m.to_json() for m in self.members],
            "input_schema": self.input_schema,
            "output_schema": self.output_schema,
            "metric": self.metric,
            "cv_score": self.cv_score,
        }
        if self.decision is not None:
            found["decision"] = self.decision
        if self.files is not None:
            found[FILES_KEY] = self.files
        return found | dict(self.extra)

    def unregistered(self) -> TabularManifest:
        """A copy to build a new version from: the registry writes the new version's files."""
        return replace(self, files=None)


def _extra(data: Mapping[str, Any], known: frozenset[str]) -> Mapping[str, Any]:
    unknown = {k: v for k, v in data.items() if k not in known}
    return MappingProxyType(unknown) if unknown else EMPTY
