"""How well one column alone tells a label apart: the measure behind leakage and proxy checks.

A column is encoded once (per audit, on the sample) into ordered quantile codes, for the
monotone view (ROC-AUC of the values themselves), and coarse codes (quantile bins or categories),
for the any-shape view (ROC-AUC of the label rate of each bin). Scoring a label is then a few
``bincount`` calls, so many (column, label) pairs stay cheap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from modelward.audit.profile import Kind

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FINE_BINS = 256
COARSE_BINS = 20
# A numeric column with at most this many values is also read as categories.
FEW_VALUES = 20


@dataclass(frozen=True)
class Encoded:
    """One column as codes; ``-1`` in ``ordered`` marks a missing value (it has no order)."""

    ordered: IntArray | None
    coarse: IntArray
    values: FloatArray | None


def encodable(dtype: pl.DataType) -> bool:
    """Whether a column of this type can be scored: not lists, structs or binary blobs."""
    return Kind.of(dtype) is not Kind.OTHER


def encode(series: pl.Series) -> Encoded:
    """Codes for one column: ordered and coarse for numbers and times, coarse for categories."""
    kind = Kind.of(series.dtype)
    n = len(series)
    if kind is Kind.TEMPORAL:
        series = series.to_physical()
        kind = Kind.INTEGER
    if kind.numeric or kind is Kind.BOOLEAN:
        numbers = series.cast(pl.Float64)
        ordered = _quantile_codes(numbers, FINE_BINS)
        if series.drop_nulls().n_unique() <= FEW_VALUES:
            coarse = _category_codes(series.cast(pl.String), n)
        else:
            coarse = _quantile_codes(numbers, COARSE_BINS)
            coarse = np.where(coarse < 0, COARSE_BINS, coarse)
        return Encoded(ordered=ordered, coarse=coarse, values=numbers.fill_null(np.nan).to_numpy())
    return Encoded(ordered=None, coarse=_category_codes(series.cast(pl.String), n), values=None)


def _quantile_codes(numbers: pl.Series, bins: int) -> IntArray:
    present = max(numbers.count(), 1)
    # "min" ranks keep tied values in one bin; ranks start at 1.
    ranks = numbers.fill_nan(None).rank("min").cast(pl.Float64)
    codes = ((ranks - 1) * bins / present).floor().fill_null(-1)
    return codes.cast(pl.Int64).to_numpy()


def _category_codes(text: pl.Series, n: int) -> IntArray:
    # Categories too small to trust their label rate share one code, so that a near-unique
    # column cannot look predictive by memorising single rows.
    min_rows = max(10, n // 100)
    frame = pl.DataFrame({"v": text.fill_null("\x00null")})
    counts = frame.group_by("v").len()
    kept = counts.filter(pl.col("len") >= min_rows)["v"]
    mapping = pl.DataFrame({"v": kept, "code": pl.int_range(1, len(kept) + 1, eager=True)})
    coded = frame.join(mapping, on="v", how="left", maintain_order="left")["code"].fill_null(0)
    return coded.cast(pl.Int64).to_numpy()


def binary_score(enc: Encoded, positive: BoolArray, rows: BoolArray) -> float:
    """ROC-AUC in [0.5, 1] of the column for ``positive`` over ``rows``; the better view wins."""
    pos, neg = positive & rows, ~positive & rows
    best = _auc_by_rate(enc.coarse, pos, neg)
    if enc.ordered is not None:
        present = enc.ordered >= 0
        auc = _auc_ordered(enc.ordered, pos & present, neg & present)
        best = max(best, auc, 1.0 - auc)
    return best


def regression_score(enc: Encoded, target: FloatArray, rows: BoolArray) -> float:
    """|correlation| in [0, 1] with a numeric target: Pearson, rank, or binned (eta)."""
    best = _eta(enc.coarse[rows], target[rows])
    if enc.values is not None and enc.ordered is not None:
        present = rows & ~np.isnan(enc.values)
        best = max(
            best,
            _abs_corr(enc.values[present], target[present]),
            _abs_corr(enc.ordered[present].astype(np.float64), _ranks(target[present])),
        )
    return best


def _counts(codes: IntArray, pos: BoolArray, neg: BoolArray) -> tuple[FloatArray, FloatArray]:
    shifted = codes + 1  # bincount wants non-negative codes; -1 (missing) becomes 0
    size = int(shifted.max()) + 1 if len(shifted) else 1
    p = np.bincount(shifted, weights=pos.astype(np.float64), minlength=size).astype(np.float64)
    q = np.bincount(shifted, weights=neg.astype(np.float64), minlength=size).astype(np.float64)
    return p, q


def _auc_from_counts(p: FloatArray, q: FloatArray) -> float:
    """AUC when the score orders the bins as given; ties within a bin count one half."""
    n_pos, n_neg = p.sum(), q.sum()
    if n_pos == 0 or n_neg == 0:
        return 0.5
    neg_below = np.cumsum(q) - q
    return float((p * (neg_below + 0.5 * q)).sum() / (n_pos * n_neg))


def _auc_ordered(codes: IntArray, pos: BoolArray, neg: BoolArray) -> float:
    p, q = _counts(codes, pos, neg)
    return _auc_from_counts(p, q)


def _auc_by_rate(codes: IntArray, pos: BoolArray, neg: BoolArray) -> float:
    p, q = _counts(codes, pos, neg)
    total = p + q
    keep = total > 0
    p, q = p[keep], q[keep]
    order = np.argsort(p / (p + q), kind="stable")
    p, q = p[order], q[order]
    # Bins with the same rate are one score value: merge them so their pairs count one half.
    rates = p / (p + q)
    _, group = np.unique(rates, return_inverse=True)
    merged_p = np.bincount(group, weights=p).astype(np.float64)
    merged_q = np.bincount(group, weights=q).astype(np.float64)
    return _auc_from_counts(merged_p, merged_q)


def _eta(codes: IntArray, y: FloatArray) -> float:
    if len(y) < 2:
        return 0.0
    shifted = codes + 1
    n = np.bincount(shifted).astype(np.float64)
    sums = np.bincount(shifted, weights=y)
    total = float(((y - y.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    keep = n > 0
    between = float((sums[keep] ** 2 / n[keep]).sum() - y.sum() ** 2 / len(y))
    return float(np.sqrt(min(max(between / total, 0.0), 1.0)))


def _abs_corr(x: FloatArray, y: FloatArray) -> float:
    if len(x) < 3 or x.std() == 0 or y.std() == 0:
        return 0.0
    return float(abs(np.corrcoef(x, y)[0, 1]))


def _ranks(y: FloatArray) -> FloatArray:
    return pl.Series(y).rank("average").cast(pl.Float64).to_numpy()
