"""Group labels of rows by some columns: what fairness measures and decision rules key on.

One labelling for both, so a threshold chosen for a group in evaluation is the one applied to
that group at prediction time: a row's value as text (`a=1 & b=0` for several columns), whole
numbers without a decimal point (1 and 1.0 agree), `(missing)` where a value is absent.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

MISSING = "(missing)"


def group_labels(frame: pl.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """Each row's group label (an object array of str)."""
    texts = [_as_text(frame[c]) for c in columns]
    if len(texts) == 1:
        return np.asarray(texts[0].to_numpy(), dtype=object)
    parts = [pl.lit(f"{c}=") + pl.col(c) for c in columns]
    joined = pl.DataFrame(texts).select(pl.concat_str(parts, separator=" & "))
    return np.asarray(joined.to_series().to_numpy(), dtype=object)


def _as_text(values: pl.Series) -> pl.Series:
    name = values.name
    if values.dtype.is_numeric():
        number = values.cast(pl.Float64).fill_nan(None)
        whole = number.is_not_null() & (number == number.round())
        text = pl.DataFrame({"n": number, "w": whole}).select(
            pl.when(pl.col("w"))
            .then(pl.col("n").cast(pl.Int64).cast(pl.String))
            .otherwise(pl.col("n").cast(pl.String))
        )
        values = text.to_series()
    return values.cast(pl.String).fill_null(MISSING).alias(name)
