"""Driver sentences: a feature's contributions told in words a risk officer reads.

"contract drives the chance of churn most: Month-to-month raises it (+0.09 on average), Two
year lowers it (−0.06 on average)"; for an ordered feature, "higher tenure lowers it (−0.10 to
+0.22 across rows)". Contributions are in the model's output units: probability for
classification (+0.09 is nine percentage points), the predicted value for regression.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from modelward.spec import Task
from modelward.training import POSITIVE_NAMES, Target

DIRECTION = 0.3  # |rank correlation| of value and contribution that reads as a direction
MIN_LEVEL_SHARE = 0.01  # levels rarer than this are too noisy to name
LEADS = ("{f} drives {o} most", "next, {f} drives {o}", "then {f} drives {o}")


def driver_sentence(values: pl.Series, contribution: np.ndarray, outcome: str, rank: int) -> str:
    """One sentence on the feature `values.name`: which values raise `outcome`, which lower it.

    `contribution` holds the feature's contribution on each row of `values`; `rank` (0, 1, 2)
    picks the opening ("drives ... most", "next", "then"). A number or date with more than
    two values is told as a direction; a category or a 0/1 flag by its strongest levels.
    """
    ordered = values.dtype.is_numeric() or values.dtype.is_temporal()
    if ordered and values.drop_nulls().n_unique() > 2:
        detail = _direction(values, contribution)
    else:
        detail = _levels(values, contribution)
    lead = LEADS[min(rank, len(LEADS) - 1)]
    return f"{lead.format(f=values.name, o=outcome)}: {detail}"


def outcome_phrase(target: Target, output: str | None) -> str:
    """What a contribution moves, in words; `output` None: all of a multiclass model's classes."""
    if target.task is Task.REGRESSION:
        return f"the predicted {target.column}"
    if target.task is Task.BINARY:
        if str(target.positive).lower() in POSITIVE_NAMES:
            return f"the chance of {target.column}"
        return f"the chance of {target.column} = {target.positive}"
    if output is None:
        return f"the chance of each {target.column} class"
    return f"the chance of {target.column} = {output}"


def signed(x: float) -> str:
    """+0.12, −3.4, +12,000: two decimals for probabilities, fewer for large values."""
    text = f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.1f}" if abs(x) >= 10 else f"{x:+.2f}"
    return text.replace("-", "−")


def _direction(values: pl.Series, contribution: np.ndarray) -> str:
    """Whether higher values raise or lower the outcome (Spearman's rank correlation)."""
    present = values.is_not_null().to_numpy()
    ranks = values.filter(values.is_not_null()).rank().to_numpy()
    effect = contribution[present]
    rho = 0.0
    if len(effect) > 2 and np.std(ranks) > 0 and np.std(effect) > 0:
        rho = float(np.corrcoef(ranks, effect)[0, 1])  # Spearman: Pearson on ranks
    low, high = np.quantile(contribution, [0.05, 0.95])
    spread = f"{signed(low)} to {signed(high)} across rows"
    if abs(rho) < DIRECTION:
        return f"its effect has no single direction ({spread})"
    word = "later" if values.dtype.is_temporal() else "higher"
    return f"{word} {values.name} {'raises' if rho > 0 else 'lowers'} it ({spread})"


def _levels(values: pl.Series, contribution: np.ndarray) -> str:
    """The level that raises the outcome most and the one that lowers it most, on average."""
    numeric = values.dtype.is_numeric()
    labels = [
        "missing" if v is None else f"{values.name} = {v}" if numeric else str(v)
        for v in values.to_list()
    ]
    frame = pl.DataFrame({"level": labels, "c": contribution})
    means = frame.group_by("level").agg(pl.col("c").mean(), pl.len().alias("n"))
    means = means.filter(pl.col("n") >= MIN_LEVEL_SHARE * len(labels)).sort("c")
    parts = []
    if means.height and means["c"][-1] > 0:
        parts.append(f"{means['level'][-1]} raises it ({signed(means['c'][-1])} on average)")
    if means.height and means["c"][0] < 0:
        parts.append(f"{means['level'][0]} lowers it ({signed(means['c'][0])} on average)")
    return ", ".join(parts) or "its effect is small for every value"
