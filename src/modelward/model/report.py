"""An evaluation report as other stages read it: typed sections over the stored JSON.

The evaluation stage writes the report (one JSON document per evaluation, stored since the
first release); the stages above it read a few of its sections: the runtime its decision
policy, monitoring and the ledger the value it expected, the CLI and the card its summary and
headline. Each section they read is a record here with `from_json`, so they ask
`report.value.gain_per_1000` instead of chaining `.get()` on dictionaries. `to_json` gives back
the stored document unchanged, sections this release does not type included. Reports stored by
earlier releases read the same (tests/fixtures/stored holds one).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from modelward.model.reference import EVERYONE


@dataclass(frozen=True)
class PrimaryScore:
    """The headline metric with its confidence interval."""

    metric: str | None
    value: float
    ci_low: float | None = None
    ci_high: float | None = None
    level: float | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PrimaryScore:
        return cls(
            metric=_text(data.get("metric")),
            value=float(data["value"]),
            ci_low=_number(data.get("ci_low")),
            ci_high=_number(data.get("ci_high")),
            level=_number(data.get("level")),
        )


@dataclass(frozen=True)
class ThresholdNote:
    """The decision threshold the evaluation judged a binary model at, and why."""

    value: float | None
    sentence: str | None = None
    chosen_by: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ThresholdNote:
        sentence, chosen = data.get("sentence"), data.get("chosen_by")
        return cls(
            value=_number(data.get("value")),
            sentence=None if sentence is None else str(sentence),
            chosen_by=None if chosen is None else str(chosen),
        )


@dataclass(frozen=True)
class ValueExpected:
    """What the evaluation expected the model's decisions to earn, per 1,000 decisions."""

    gain_per_1000: float  # beyond the reference policy without a model
    value_per_1000: float  # the model's own policy
    reference: str  # the key of that reference policy
    degenerate: str | None  # why the chosen policy is degenerate (acts on all or none), if so

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ValueExpected | None:
        """None when the section measured no value (no value model, or not a binary task)."""
        decision, model = data.get("decision"), data.get("model")
        gain = _number(data.get("gain_per_1000"))
        worth = _number(model.get("value_per_1000")) if isinstance(model, Mapping) else None
        if not isinstance(decision, Mapping) or gain is None or worth is None:
            return None
        return cls(
            gain_per_1000=gain,
            value_per_1000=worth,
            reference=str(decision.get("reference_key", EVERYONE)),
            degenerate=decision.get("degenerate") or None,
        )


@dataclass(frozen=True)
class EvidenceNote:
    """What the evaluation measured on: out-of-fold rows, or a forecast's backtest."""

    sentence: str | None = None
    kind: str | None = None  # "out-of-fold", ...
    rows: int | None = None
    folds: int | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvidenceNote:
        return cls(
            sentence=_text(data.get("sentence")),
            kind=_text(data.get("kind")),
            rows=_integer(data.get("rows")),
            folds=_integer(data.get("folds")),
        )


@dataclass(frozen=True)
class Verdict:
    """A yes/no finding of one section, with its sentence: `answer` None when not measured.

    Overfitting (`overfitting`, `message`), the baseline comparison (`beats_baseline`,
    `verdict`) and the value's baseline comparison (`beats_baseline`, `baseline_verdict`).
    """

    answer: bool | None = None
    sentence: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any], flag: str, sentence: str) -> Verdict:
        found = data.get(flag)
        return cls(found if isinstance(found, bool) else None, _text(data.get(sentence)))


@dataclass(frozen=True)
class MemorizationRisk:
    """The membership-inference test's risk level ("low", "moderate", "high") and sentence."""

    level: str | None = None
    message: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MemorizationRisk:
        return cls(_text(data.get("level")), _text(data.get("message")))


@dataclass(frozen=True)
class EvaluationReport:
    """A stored evaluation report: its envelope and the sections other stages read."""

    model: str | None
    task: str | None
    summary: tuple[str, ...]
    primary: PrimaryScore | None
    threshold: ThresholdNote | None
    policy: Mapping[str, Any] | None  # a DecisionPolicy's JSON (model.policy reads it)
    value: ValueExpected | None
    evidence: EvidenceNote = EvidenceNote()
    overfitting: Verdict = Verdict()
    beats_baselines: Verdict = Verdict()  # on the primary metric
    beats_baselines_in_value: Verdict = Verdict()  # in money, where a value model measured it
    memorization: MemorizationRisk = MemorizationRisk()
    degenerate_policy: str | None = None  # why the chosen policy acts on all or none, if so
    # The policy without a model the value was measured against; None in reports from before
    # it was stored (those were measured against the better of everyone and nobody).
    value_reference: str | None = None
    facts: Mapping[str, float] = field(default_factory=dict)
    document: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EvaluationReport:
        primary, policy, value = data.get("primary"), data.get("policy"), data.get("value")
        threshold = data.get("threshold")
        note = ThresholdNote.from_json(threshold) if isinstance(threshold, Mapping) else None
        model, task = data.get("model"), data.get("task")
        return cls(
            model=None if model is None else str(model),
            task=None if task is None else str(task),
            summary=tuple(str(line) for line in data.get("summary") or ()),
            primary=PrimaryScore.from_json(primary) if _number_at(primary, "value") else None,
            threshold=note,
            policy=policy if _has(policy, "threshold") else None,
            value=ValueExpected.from_json(value) if isinstance(value, Mapping) else None,
            evidence=EvidenceNote.from_json(_section(data, "evidence")),
            overfitting=Verdict.from_json(_section(data, "overfitting"), "overfitting", "message"),
            beats_baselines=Verdict.from_json(
                _section(data, "baselines"), "beats_baseline", "verdict"
            ),
            beats_baselines_in_value=Verdict.from_json(
                _section(data, "value"), "beats_baseline", "baseline_verdict"
            ),
            memorization=MemorizationRisk.from_json(_section(data, "privacy")),
            degenerate_policy=_text(_decision(data).get("degenerate")) or None,
            value_reference=_str(_decision(data).get("reference_key")),
            facts={
                k: float(v) for k, v in _section(data, "facts").items() if _number(v) is not None
            },
            document=data,
        )

    @property
    def has_parts(self) -> bool:
        """A report of parts (a forecast's backtest, a segmentation), not of a classifier's or
        regressor's out-of-fold rows."""
        return "parts" in self.document

    def failed_sections(self) -> list[str]:
        """The sections whose computation failed (each says only its error)."""
        return [
            k for k, part in self.document.items() if isinstance(part, Mapping) and "error" in part
        ]

    def section(self, name: str) -> Mapping[str, Any]:
        """A section this release does not type, as stored ({} when absent)."""
        return _section(self.document, name)

    def to_json(self) -> dict[str, Any]:
        return dict(self.document)


def _section(data: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    found = data.get(name)
    return found if isinstance(found, Mapping) else {}


def _decision(data: Mapping[str, Any]) -> Mapping[str, Any]:
    return _section(_section(data, "value"), "decision")


def _str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _integer(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number_at(data: object, key: str) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(data, Mapping) and _number(data.get(key)) is not None


def _has(data: object, key: str) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(data, Mapping) and key in data and data[key] is not None


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
