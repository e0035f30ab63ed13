"""Frozen records of the ledger: what was used, what it cost, what it earned, and the ROI.

Usage is physical (CPU seconds, bytes, requests); costs are money in one project's currency,
priced by that project's price table. Records add up (a project is the sum of its lines), but
only within one currency: the ledger never adds amounts priced in different currencies.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any

from modelward.evaluation import json_float, json_sig

# Figures keep 8 significant digits, not a fixed number of decimals: a small model's training
# costs fractions of a cent and its storage fractions of that, which decimals would show as 0.
FIGURES = 8


def number(value: float | None) -> float | None:
    """A JSON-safe figure (None for missing, NaN or infinite) to 8 significant digits."""
    return json_sig(value, FIGURES)


class LineKind(StrEnum):
    """What a ledger line stands for: a model version or one of a project's hidden costs."""

    MODEL = "model"
    OTHER_RUNS = "other_runs"  # runs that registered no model: failed, killed, abandoned
    DATASETS = "datasets"  # the project's dataset versions, stored
    MONITORING = "monitoring"  # monitoring passes over the project's deployments

    @property
    def hidden(self) -> bool:
        """A cost no single model shows, easy to forget when only training is counted."""
        return self is not LineKind.MODEL


@dataclass(frozen=True)
class Usage:
    """Resources used, before any price. `storage_gb_months` is bytes x months stored."""

    training_cpu_seconds: float = 0.0
    storage_bytes: int = 0
    storage_gb_months: float = 0.0
    requests: int = 0
    rows: int = 0
    serving_cpu_seconds: float = 0.0
    monitoring_cpu_seconds: float = 0.0

    @property
    def cpu_seconds(self) -> float:
        """All CPU time: training, serving and monitoring."""
        return self.training_cpu_seconds + self.serving_cpu_seconds + self.monitoring_cpu_seconds

    def __add__(self, other: Usage) -> Usage:
        return Usage(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def to_json(self) -> dict[str, Any]:
        return {
            "training_cpu_seconds": number(self.training_cpu_seconds),
            "storage_bytes": self.storage_bytes,
            "storage_gb_months": number(self.storage_gb_months),
            "requests": self.requests,
            "rows": self.rows,
            "serving_cpu_seconds": number(self.serving_cpu_seconds),
            "monitoring_cpu_seconds": number(self.monitoring_cpu_seconds),
            "cpu_seconds": number(self.cpu_seconds),
        }


@dataclass(frozen=True)
class Costs:
    """Usage priced by one price table: money per kind, plus energy (kWh) and CO2 (kg)."""

    usage: Usage = Usage()
    training: float = 0.0
    storage: float = 0.0
    serving: float = 0.0
    monitoring: float = 0.0
    energy: float = 0.0
    kwh: float = 0.0
    co2_kg: float = 0.0
    people: float = 0.0  # people's time: building, reviewing, approving, monitoring

    @property
    def total(self) -> float:
        machines = self.training + self.storage + self.serving + self.monitoring + self.energy
        return machines + self.people

    def __add__(self, other: Costs) -> Costs:
        return Costs(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def to_json(self) -> dict[str, Any]:
        money = ("training", "storage", "serving", "monitoring", "energy", "people", "total")
        return {
            "usage": self.usage.to_json(),
            "cost": {name: number(getattr(self, name)) for name in money},
            "energy": {
                "kwh": number(self.kwh),
                "co2_kg": number(self.co2_kg),
            },
        }


@dataclass(frozen=True)
class Realized:
    """The value a model's decisions realized, from the outcomes reported as feedback.

    `amount` is None when the decisions cannot be priced (no value model, a multiclass task);
    `reason` says how they were priced or why not. `without_model` is what the better policy
    without a model would have realized on the same rows (binary: act on nobody or on
    everyone; regression: predicting the outcomes' mean), and `incremental` the difference,
    the value ROI counts. Binary: `outcomes` counts true/false positives/negatives.
    Regression: `mean_abs_error`.
    """

    amount: float | None
    currency: str | None
    decisions: int
    reason: str
    outcomes: dict[str, int] | None = None
    without_model: float | None = None
    mean_abs_error: float | None = None
    skipped: int = 0  # labelled rows that could not be judged (a label outside the classes)

    @property
    def priced(self) -> bool:
        return self.amount is not None

    @property
    def incremental(self) -> float | None:
        """What the decisions realized beyond the better no-model policy on the same rows."""
        if self.amount is None or self.without_model is None:
            return None
        return self.amount - self.without_model

    def to_json(self) -> dict[str, Any]:
        return {
            "amount": number(self.amount),
            "currency": self.currency,
            "decisions": self.decisions,
            "outcomes": self.outcomes,
            "without_model": number(self.without_model),
            "incremental": number(self.incremental),
            "mean_abs_error": number(self.mean_abs_error),
            "skipped": self.skipped,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Roi:
    """(incremental value - cost) / cost, or None with the reason it cannot be computed;
    `note` is the sentence to show (`modelward.model.returns`), `negligible` when the cost is
    too small for the ratio to mean anything."""

    value: float | None
    note: str
    negligible: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"roi": json_float(self.value), "roi_note": self.note, "negligible": self.negligible}


@dataclass(frozen=True)
class Line:
    """One line of a project's ledger: a model version, or a hidden cost of the project.

    `estimates` names the figures that are estimates rather than measurements.
    """

    kind: LineKind
    name: str
    project: str
    currency: str
    costs: Costs
    stage: str | None = None
    value: Realized | None = None
    roi: Roi | None = None
    estimates: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "name": self.name,
            "project": self.project,
            "stage": self.stage,
            "currency": self.currency,
            **self.costs.to_json(),
            "value": None if self.value is None else self.value.to_json(),
            **(self.roi or Roi(None, "hidden costs have no value of their own")).to_json(),
            "estimates": list(self.estimates),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class ProjectLedger:
    """A project's model lines, its hidden costs, and its totals in its own currency.

    `value` sums the priced model values in the project's currency (None when none is priced).
    """

    project: str
    currency: str
    models: tuple[Line, ...]
    hidden: tuple[Line, ...]
    costs: Costs
    value: float | None
    roi: Roi
    notes: tuple[str, ...] = ()

    @property
    def lines(self) -> tuple[Line, ...]:
        return (*self.models, *self.hidden)

    def to_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "currency": self.currency,
            "models": [line.to_json() for line in self.models],
            "hidden_costs": [line.to_json() for line in self.hidden],
            "total": self.costs.to_json(),
            "value": number(self.value),
            **self.roi.to_json(),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class CurrencyTotal:
    """The portfolio in one currency: the projects priced in it, summed."""

    currency: str
    projects: tuple[str, ...]
    costs: Costs
    value: float | None
    roi: Roi

    def to_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "projects": list(self.projects),
            **self.costs.to_json(),
            "value": number(self.value),
            **self.roi.to_json(),
        }


@dataclass(frozen=True)
class Ledger:
    """Every project's ledger as of `at`, and the portfolio: one total per currency."""

    at: str
    projects: tuple[ProjectLedger, ...]
    portfolio: tuple[CurrencyTotal, ...]
    assumptions: tuple[str, ...]

    def project(self, name: str) -> ProjectLedger:
        """The ledger of project `name`; KeyError when it is not in this ledger."""
        for found in self.projects:
            if found.project == name:
                return found
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at,
            "projects": [p.to_json() for p in self.projects],
            "portfolio": [t.to_json() for t in self.portfolio],
            "assumptions": list(self.assumptions),
        }
