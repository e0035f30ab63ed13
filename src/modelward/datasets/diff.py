"""Compare two dataset versions: columns added, removed or retyped, rows, and distribution shift.

Numbers (and dates, as seconds) are compared by the population stability index over ten quantile
bins of the old version, and by the two-sample Kolmogorov-Smirnov test on a seeded sample;
categories by the index over the old version's categories, new ones lumped into one bin.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from modelward.datasets.contract import ColumnContract, Contract

PSI_BINS = 10
PSI_EPSILON = 1e-4
KS_SAMPLE_ROWS = 100_000
SAMPLE_SEED = 20240601
STABLE_BELOW = 0.1
MODERATE_BELOW = 0.25

Floats = npt.NDArray[np.float64]


class Verdict(StrEnum):
    """The usual reading of a population stability index."""

    STABLE = "stable"
    MODERATE = "moderate"
    MAJOR = "major"

    @classmethod
    def of(cls, psi: float) -> Verdict:
        if psi < STABLE_BELOW:
            return cls.STABLE
        return cls.MODERATE if psi < MODERATE_BELOW else cls.MAJOR


@dataclass(frozen=True)
class TypeChange:
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class ColumnChange:
    """How one column's distribution moved. Numeric fields are set for numbers and dates,
    `top_category` and the shares for categories and booleans."""

    column: str
    kind: Literal["numeric", "categorical"]
    psi: float
    null_rate_old: float
    null_rate_new: float
    mean_old: float | None = None
    mean_new: float | None = None
    ks_statistic: float | None = None
    ks_pvalue: float | None = None
    top_category: str | None = None
    share_old: float | None = None
    share_new: float | None = None

    @property
    def verdict(self) -> Verdict:
        return Verdict.of(self.psi)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict.value}


@dataclass(frozen=True)
class DatasetDiff:
    """What changed from one version to the next; `changes` covers the comparable columns."""

    added: tuple[str, ...]
    removed: tuple[str, ...]
    type_changed: tuple[TypeChange, ...]
    rows_old: int
    rows_new: int
    changes: tuple[ColumnChange, ...]

    @property
    def rows_delta(self) -> int:
        return self.rows_new - self.rows_old

    @property
    def shifted(self) -> tuple[ColumnChange, ...]:
        return tuple(c for c in self.changes if c.verdict is not Verdict.STABLE)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": {
                "added": list(self.added),
                "removed": list(self.removed),
                "type_changed": [asdict(change) for change in self.type_changed],
            },
            "rows": {"old": self.rows_old, "new": self.rows_new, "delta": self.rows_delta},
            "changes": [change.to_json() for change in self.changes],
        }


def diff_frames(
    old: pl.DataFrame, new: pl.DataFrame, old_contract: Contract, new_contract: Contract
) -> DatasetDiff:
    """Compare `new` with `old`, each described by its own contract."""
    common = [name for name in old_contract.names if name in new_contract.names]
    pairs = [(old_contract.get(name), new_contract.get(name)) for name in common]
    columns = [(a, b) for a, b in pairs if a is not None and b is not None]
    changes = (_compare(old[a.name], new[b.name], a, b) for a, b in columns)
    return DatasetDiff(
        added=tuple(name for name in new_contract.names if name not in old_contract.names),
        removed=tuple(name for name in old_contract.names if name not in new_contract.names),
        type_changed=tuple(
            TypeChange(a.name, a.dtype, b.dtype) for a, b in columns if a.dtype != b.dtype
        ),
        rows_old=old.height,
        rows_new=new.height,
        changes=tuple(change for change in changes if change is not None),
    )


def _compare(
    old: pl.Series, new: pl.Series, old_column: ColumnContract, new_column: ColumnContract
) -> ColumnChange | None:
    """None for columns without a distribution worth comparing (identifiers, free text)."""
    roles = (old_column.role, new_column.role)
    nulls = (_null_rate(old), _null_rate(new))
    if all(role.is_numeric or role.is_temporal for role in roles):
        return _numeric(old_column.name, _floats(old), _floats(new), nulls)
    if all(role.is_discrete for role in roles):
        return _categorical(old_column.name, _counts(old), _counts(new), nulls)
    return None


def _numeric(name: str, old: Floats, new: Floats, nulls: tuple[float, float]) -> ColumnChange:
    cuts = np.linspace(0, 1, PSI_BINS + 1)[1:-1]
    edges = np.unique(np.quantile(old, cuts)) if old.size else np.empty(0)
    bins = len(edges) + 1
    old_counts = np.bincount(np.searchsorted(edges, old, side="right"), minlength=bins)
    new_counts = np.bincount(np.searchsorted(edges, new, side="right"), minlength=bins)
    from scipy.stats import ks_2samp  # lazily: scipy.stats takes over a second to import

    ks = ks_2samp(_sample(old), _sample(new)) if old.size and new.size else None
    return ColumnChange(
        column=name,
        kind="numeric",
        psi=psi(old_counts, new_counts),
        mean_old=float(old.mean()) if old.size else None,
        mean_new=float(new.mean()) if new.size else None,
        ks_statistic=None if ks is None else float(ks.statistic),
        ks_pvalue=None if ks is None else float(ks.pvalue),
        null_rate_old=nulls[0],
        null_rate_new=nulls[1],
    )


def _categorical(
    name: str, old: dict[str, int], new: dict[str, int], nulls: tuple[float, float]
) -> ColumnChange:
    known = sorted(old)
    unseen = sum(count for category, count in new.items() if category not in old)
    old_counts = np.array([old[c] for c in known] + [0])
    new_counts = np.array([new.get(c, 0) for c in known] + [unseen])
    old_total, new_total = max(sum(old.values()), 1), max(sum(new.values()), 1)
    moves = {c: (old.get(c, 0) / old_total, new.get(c, 0) / new_total) for c in {*old, *new}}
    top = max(sorted(moves), key=lambda c: abs(moves[c][1] - moves[c][0]), default=None)
    return ColumnChange(
        column=name,
        kind="categorical",
        psi=psi(old_counts, new_counts),
        top_category=top,
        share_old=None if top is None else moves[top][0],
        share_new=None if top is None else moves[top][1],
        null_rate_old=nulls[0],
        null_rate_new=nulls[1],
    )


def psi(old_counts: npt.NDArray[Any], new_counts: npt.NDArray[Any]) -> float:
    """Population stability index of two count vectors over the same bins.

    The one implementation of the formula: the audit's drift check and monitoring use it too.
    The epsilon keeps an empty bin from making the index infinite."""
    old_share = np.maximum(old_counts / max(int(old_counts.sum()), 1), PSI_EPSILON)
    new_share = np.maximum(new_counts / max(int(new_counts.sum()), 1), PSI_EPSILON)
    return float(np.sum((new_share - old_share) * np.log(new_share / old_share)))


def _floats(series: pl.Series) -> Floats:
    """Finite values as floats; dates and times as seconds since the epoch."""
    if series.dtype.is_temporal():
        series = series.cast(pl.Datetime("us")).dt.epoch("us") / 1e6
    values = series.cast(pl.Float64).drop_nulls()
    return values.filter(values.is_finite()).to_numpy()


def _counts(series: pl.Series) -> dict[str, int]:
    counts = series.drop_nulls().cast(pl.String).value_counts()
    return dict(zip(counts[:, 0].to_list(), counts["count"].to_list(), strict=True))


def _null_rate(series: pl.Series) -> float:
    return series.null_count() / len(series) if len(series) else 0.0


def _sample(values: Floats) -> Floats:
    if values.size <= KS_SAMPLE_ROWS:
        return values
    return np.random.default_rng(SAMPLE_SEED).choice(values, KS_SAMPLE_ROWS, replace=False)
