"""Compare current data with a `Reference`: per column the population stability index (PSI),
the Jensen-Shannon distance, and a test (Kolmogorov-Smirnov for numbers, chi-square for
categories), a severity from `Thresholds`, and one plain-English line.

PSI and JS are computed over the same bins: the reference's quantile bins (numbers) or its top
categories plus "other" (categories), each with a "missing" bin. PSI floors every share at 1e-4
(`modelward.datasets.diff.psi`, the one implementation) so an empty bin gives a large but finite
index; JS needs no floor (base 2, so it lies in [0, 1]).

The severity rule, in order:
  not judged  either side has fewer than `min_rows` rows (the statistics are still shown);
  critical    PSI >= psi_critical or JS >= js_critical;
  warning     PSI >= psi_warning or JS >= js_warning, or p < p_value with PSI >= psi_warning / 2;
  ok          otherwise.
A p-value never raises an alert by itself: at a million rows a shift nobody would act on is
"significant", so the test only tips a column that already moved by half a warning's PSI.
A reference column absent from the current data is its own finding, "missing".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import polars as pl

from modelward.datasets import psi
from modelward.errors import InputError
from modelward.monitoring.profile import Counts, Profile, Reference

# Up to this many effective rows the p-value is scipy's `kstwo`, as `ks_2samp` computes it; above,
# `kstwo` costs up to a second a column, and the limiting Kolmogorov distribution is within 3%.
_EXACT_KS_ROWS = 10_000


class Severity(StrEnum):
    """How bad a column's drift is; `rank` orders them, worst highest."""

    OK = "ok"
    NOT_JUDGED = "not_judged"
    WARNING = "warning"
    MISSING = "missing"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)

    @property
    def drifted(self) -> bool:
        return self in (Severity.WARNING, Severity.CRITICAL)


@dataclass(frozen=True)
class Thresholds:
    """When a column counts as drifted; the defaults are the usual readings of PSI and JS."""

    psi_warning: float = 0.1
    psi_critical: float = 0.25
    js_warning: float = 0.1
    js_critical: float = 0.2
    p_value: float = 0.01
    min_rows: int = 100

    def __post_init__(self) -> None:
        if not 0 < self.psi_warning <= self.psi_critical:
            raise InputError.field("psi_critical", self.psi_critical, "PSI >= psi_warning > 0")
        if not 0 < self.js_warning <= self.js_critical <= 1:
            raise InputError.field("js_critical", self.js_critical, "js_warning <= JS <= 1")
        if not 0 < self.p_value < 1:
            raise InputError.field("p_value", self.p_value, "a probability between 0 and 1")
        if self.min_rows < 1:
            raise InputError.field("min_rows", self.min_rows, "a whole number of rows >= 1")

    def judge(self, psi: float, js: float, p_value: float | None) -> Severity:
        """The severity rule of this module's docstring, for a column with enough rows."""
        if psi >= self.psi_critical or js >= self.js_critical:
            return Severity.CRITICAL
        tipped = p_value is not None and p_value < self.p_value and psi >= self.psi_warning / 2
        if psi >= self.psi_warning or js >= self.js_warning or tipped:
            return Severity.WARNING
        return Severity.OK


@dataclass(frozen=True)
class BinShare:
    """One bin's share of the reference and of the current rows."""

    label: str
    reference: float
    current: float


@dataclass(frozen=True)
class ColumnDrift:
    """How one column moved. `ks_*` are set for numbers, `chi2_*` for categories; `ks_error`
    bounds how much the KS statistic may be low (0 when exact, see `profile`)."""

    column: str
    kind: Literal["numeric", "categorical"]
    severity: Severity
    rows_reference: int
    rows_current: int
    psi: float | None = None
    js: float | None = None
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    ks_error: float | None = None
    chi2_statistic: float | None = None
    chi2_pvalue: float | None = None
    bins: tuple[BinShare, ...] = ()
    new_categories: tuple[str, ...] = ()
    summary: str = field(default="", compare=False)

    @property
    def p_value(self) -> float | None:
        return self.ks_pvalue if self.kind == "numeric" else self.chi2_pvalue

    @property
    def drifted(self) -> bool:
        return self.severity.drifted

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "severity": self.severity.value}


@dataclass(frozen=True)
class DriftReport:
    """Every reference column's drift, worst first; `extra` names current columns not profiled."""

    rows_reference: int
    rows_current: int
    columns: tuple[ColumnDrift, ...]
    extra: tuple[str, ...]
    thresholds: Thresholds

    @property
    def drifted(self) -> tuple[ColumnDrift, ...]:
        return tuple(column for column in self.columns if column.drifted)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(c.column for c in self.columns if c.severity is Severity.MISSING)

    @property
    def severity(self) -> Severity:
        """The worst column's severity; ok for a report without columns."""
        return self.columns[0].severity if self.columns else Severity.OK

    def summaries(self) -> tuple[str, ...]:
        """One line per drifted or missing column, worst first."""
        return tuple(
            column.summary
            for column in self.columns
            if column.drifted or column.severity is Severity.MISSING
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": {"reference": self.rows_reference, "current": self.rows_current},
            "severity": self.severity.value,
            "drifted": [column.column for column in self.drifted],
            "missing": list(self.missing),
            "extra": list(self.extra),
            "summaries": list(self.summaries()),
            "thresholds": asdict(self.thresholds),
            "columns": [column.to_json() for column in self.columns],
        }


def compare(
    reference: Reference, current: pl.DataFrame, *, thresholds: Thresholds | None = None
) -> DriftReport:
    """Judge every reference column of `current` against `reference`."""
    thresholds = thresholds or Thresholds()
    judged = min(reference.rows, current.height) >= thresholds.min_rows
    results = (
        _compare_column(profile, current, thresholds if judged else None)
        for profile in reference.columns
    )
    return DriftReport(
        rows_reference=reference.rows,
        rows_current=current.height,
        columns=tuple(sorted(results, key=_worst_first)),
        extra=tuple(name for name in current.columns if name not in reference.names),
        thresholds=thresholds,
    )


def js_distance(reference: Counts, current: Counts) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) of two count vectors over the same bins."""
    p = reference / max(int(reference.sum()), 1)
    q = current / max(int(current.sum()), 1)
    middle = (p + q) / 2

    def divergence(shares: Any) -> float:
        used = shares > 0
        return float(np.sum(shares[used] * np.log2(shares[used] / middle[used])))

    return float(np.sqrt(np.clip((divergence(p) + divergence(q)) / 2, 0.0, 1.0)))


def chi_square(reference: Counts, current: Counts) -> tuple[float, float]:
    """Chi-square test of homogeneity of two count vectors (no continuity correction)."""
    table = np.vstack((reference, current)).astype(np.float64)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2 or not table.sum(axis=1).all():
        return 0.0, 1.0
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0) / table.sum()
    statistic = float(np.sum((table - expected) ** 2 / expected))
    from scipy.stats import chi2  # lazily: scipy.stats takes over a second to import

    return statistic, float(chi2.sf(statistic, table.shape[1] - 1))


def ks_from_cells(reference: Counts, current: Counts) -> tuple[float, float, float] | None:
    """Two-sample KS statistic, its asymptotic p-value and the bound on how much the statistic
    may be low, from counts per knot cell. The p-value is `scipy.stats.ks_2samp`'s with method
    "asymp" up to 10,000 effective rows, and the limiting Kolmogorov distribution above."""
    n, m = int(reference.sum()), int(current.sum())
    if not n or not m:
        return None
    gap = np.cumsum(reference) / n - np.cumsum(current) / m
    statistic = float(np.max(np.abs(gap)))
    # Between two knots either CDF may move by its mass there; the smaller one bounds the error.
    error = float(np.max(np.minimum(reference[0::2] / n, current[0::2] / m)))
    from scipy.stats import kstwo, kstwobign

    rows = max(np.round(n * m / (n + m)), 1.0)
    pvalue = (
        kstwo.sf(statistic, rows)
        if rows <= _EXACT_KS_ROWS
        else kstwobign.sf(statistic * np.sqrt(rows))
    )
    return statistic, float(np.clip(pvalue, 0.0, 1.0)), error


def _compare_column(
    profile: Profile, current: pl.DataFrame, thresholds: Thresholds | None
) -> ColumnDrift:
    if profile.column not in current.columns:
        missing = ColumnDrift(profile.column, profile.kind, Severity.MISSING, profile.rows, 0)
        return replace(missing, summary=f"{profile.column} is missing from the current data")
    before, after = profile.reference(), profile.count(current[profile.column])
    drift = ColumnDrift(
        column=profile.column,
        kind=profile.kind,
        severity=Severity.NOT_JUDGED,
        rows_reference=profile.rows,
        rows_current=current.height,
        psi=psi(before.bins, after.bins),
        js=js_distance(before.bins, after.bins),
        bins=_shares(profile.labels, before.bins, after.bins),
        new_categories=after.new,
    )
    if before.cells is not None and after.cells is not None:
        ks = ks_from_cells(before.cells, after.cells)
        if ks is not None:
            drift = replace(drift, ks_statistic=ks[0], ks_pvalue=ks[1], ks_error=ks[2])
    else:
        statistic, pvalue = chi_square(before.bins, after.bins)
        drift = replace(drift, chi2_statistic=statistic, chi2_pvalue=pvalue)
    if thresholds is not None:
        drift = replace(
            drift, severity=thresholds.judge(drift.psi or 0.0, drift.js or 0.0, drift.p_value)
        )
    return replace(drift, summary=_summary(drift))


def _shares(labels: tuple[str, ...], before: Counts, after: Counts) -> tuple[BinShare, ...]:
    old = before / max(int(before.sum()), 1)
    new = after / max(int(after.sum()), 1)
    return tuple(
        BinShare(label, float(a), float(b)) for label, a, b in zip(labels, old, new, strict=True)
    )


def _summary(drift: ColumnDrift) -> str:
    """One line: "tenure drifted (PSI 0.31, JS 0.27, critical): more rows in the lowest bin
    (< 9), 34% vs 10%"."""
    figures = f"PSI {drift.psi or 0.0:.2f}, JS {drift.js or 0.0:.2f}"
    if drift.severity is Severity.NOT_JUDGED:
        return f"{drift.column} not judged: too few rows ({figures})"
    if not drift.drifted:
        return f"{drift.column} is stable ({figures})"
    index, moved = max(
        enumerate(drift.bins), key=lambda pair: abs(pair[1].current - pair[1].reference)
    )
    more = "more" if moved.current > moved.reference else "fewer"
    return (
        f"{drift.column} drifted ({figures}, {drift.severity.value}): {more} "
        f"{_where(drift, index)}, {moved.current:.0%} vs {moved.reference:.0%}"
    )


def _where(drift: ColumnDrift, index: int) -> str:
    label = drift.bins[index].label
    last = len(drift.bins) - 2  # the missing bin comes after the last real one
    if index > last:
        return "missing values"
    if drift.kind == "categorical":
        if index < last:
            return f"rows with {label!r}"
        new = ", ".join(repr(category) for category in drift.new_categories)
        return f"rows in other categories (new: {new})" if new else "rows in other categories"
    if last == 0:
        return "rows with a value"
    position = "lowest" if index == 0 else "highest" if index == last else None
    return f"rows in the {position} bin ({label})" if position else f"rows in the bin {label}"


def _worst_first(drift: ColumnDrift) -> tuple[int, float, float, str]:
    return (-drift.severity.rank, -(drift.psi or 0.0), -(drift.js or 0.0), drift.column)
