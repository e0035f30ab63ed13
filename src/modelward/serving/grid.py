"""A coarse quantile grid over a reference (training) sample: where normal rows fall.

Each chosen feature is cut at its reference quantiles (so every bin holds about the same share of
training rows), with one more bin for a missing value; a row's cell is the joint bin over the
chosen features. Joint cells matter: features that move together in real data (tenure and total
charges) leave most cells of the product empty, and synthetic points that ignore the
correlation land there. The *rare* cells are the least populated ones that together hold at most
`tail_mass` of the reference rows, empty cells included.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelward.errors import InputError

MAX_COLUMNS = 3  # joint cells multiply: 3 features of 5 bins (+ missing) are 216 cells
MIN_REFERENCE_ROWS = 100

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class ReferenceGrid:
    """The grid fitted on a reference sample; `encode` maps rows to cells and rarity."""

    columns: tuple[int, ...]
    edges: tuple[FloatArray, ...]
    low: FloatArray  # per input column: rows below or above the reference range are rare too
    high: FloatArray
    probabilities: FloatArray  # per cell, share of reference rows
    rare: NDArray[np.bool_]  # per cell
    rows: int

    @classmethod
    def fit(
        cls,
        reference: Any,
        *,
        columns: tuple[int, ...] | None = None,
        bins: int = 5,
        tail_mass: float = 0.01,
    ) -> ReferenceGrid:
        """Fit on `reference` (rows x features, NaN allowed); by default on the (at most 3)
        columns with the most distinct values. Raises InputError for bad shapes or options."""
        data = _matrix("reference", reference)
        if data.shape[0] < MIN_REFERENCE_ROWS:
            raise InputError.field("reference rows", data.shape[0], f">= {MIN_REFERENCE_ROWS}")
        if not 2 <= bins <= 20:
            raise InputError.field("bins", bins, "an integer from 2 to 20")
        if not 0 < tail_mass < 0.5:
            raise InputError.field("tail_mass", tail_mass, "a share between 0 and 0.5, e.g. 0.01")
        chosen = _columns(data, columns)
        quantiles = np.linspace(0.0, 1.0, bins + 1)[1:-1]
        edges = tuple(_edges(data[:, j], quantiles) for j in chosen)
        # fmin/fmax skip NaN without a warning; an all-NaN column keeps NaN: nothing is outside
        low, high = np.fmin.reduce(data, axis=0), np.fmax.reduce(data, axis=0)
        grid = cls(chosen, edges, low, high, np.zeros(0), np.zeros(0, np.bool_), data.shape[0])
        counts = np.bincount(grid.cells(data), minlength=grid.size)
        probabilities = counts / data.shape[0]
        order = np.argsort(probabilities, kind="stable")
        rare = np.zeros(grid.size, np.bool_)
        rare[order[np.cumsum(probabilities[order]) <= tail_mass + 1e-12]] = True
        return cls(chosen, edges, low, high, probabilities, rare, data.shape[0])

    @property
    def size(self) -> int:
        """Number of cells (each feature's bins plus a missing bin, multiplied)."""
        return int(np.prod([e.size + 2 for e in self.edges]))

    @property
    def rare_mass(self) -> float:
        """Share of reference rows in rare cells: what normal traffic is expected to show."""
        return float(self.probabilities[self.rare].sum())

    def cells(self, rows: FloatArray) -> NDArray[np.int64]:
        """The joint cell of each row (rows already validated, n x d)."""
        code = np.zeros(rows.shape[0], np.int64)
        for column, edges in zip(self.columns, self.edges, strict=True):
            x = rows[:, column]
            index = np.where(np.isnan(x), edges.size + 1, np.searchsorted(edges, x, "right"))
            code = code * (edges.size + 2) + index
        return code

    def encode(self, features: Any) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Cells of `features` (n x d or one row of d) and whether each row is rare: in a rare
        cell or outside the reference range on any feature."""
        rows = _matrix("features", features)
        if rows.shape[1] != self.low.size:
            raise InputError.field("features columns", rows.shape[1], f"{self.low.size}")
        cells = self.cells(rows)
        outside = ((rows < self.low) | (rows > self.high)).any(axis=1)
        return cells, self.rare[cells] | outside

    def expected_cells(self, m: int) -> float:
        """Distinct cells that m rows drawn from the reference distribution visit, on average."""
        return float(np.sum(1.0 - (1.0 - self.probabilities) ** m))


def _matrix(name: str, values: Any) -> FloatArray:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError.field(name, type(values).__name__, "numeric rows") from exc
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[1] == 0:
        raise InputError.field(f"{name} shape", array.shape, "rows x features (2-D)")
    return array


def _edges(x: FloatArray, quantiles: FloatArray) -> FloatArray:
    known = x[~np.isnan(x)]
    return np.unique(np.quantile(known, quantiles)) if known.size else np.zeros(0)


def _columns(data: FloatArray, columns: tuple[int, ...] | None) -> tuple[int, ...]:
    if columns is None:
        distinct = [np.unique(data[~np.isnan(data[:, j]), j]).size for j in range(data.shape[1])]
        ranked = sorted(range(data.shape[1]), key=lambda j: (-distinct[j], j))
        return tuple(sorted(ranked[:MAX_COLUMNS]))
    if not columns or any(not 0 <= j < data.shape[1] for j in columns):
        expected = f"1 to {MAX_COLUMNS} indices below {data.shape[1]}"
        raise InputError.field("columns", columns, expected)
    if len(columns) > MAX_COLUMNS:
        raise InputError.field("columns", columns, f"at most {MAX_COLUMNS} indices")
    return tuple(columns)
