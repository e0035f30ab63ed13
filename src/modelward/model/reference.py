"""The policies that need no model, which every value is measured against.

"Act on everyone", "act on nobody" and the spec's incumbent rule decide without a model. The
evaluation prices them on the out-of-fold rows and names the best one the reference; the
ledger and monitoring price the same reference on the decisions served since, so incremental
value means one thing everywhere. Each is named by a key stored in the evaluation report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from modelward.spec import IncumbentRule

EVERYONE, NOBODY, INCUMBENT = "everyone", "nobody", "incumbent"
REFERENCE_NAMES = {
    EVERYONE: "act on everyone",
    NOBODY: "act on nobody",
    INCUMBENT: "the incumbent rule",
}


def reference_keys(incumbent: IncumbentRule | None) -> tuple[str, ...]:
    """The no-model policies a project has: the incumbent rule only when its spec states one."""
    return (EVERYONE, NOBODY) if incumbent is None else (EVERYONE, NOBODY, INCUMBENT)


def reference_acts(
    key: str,
    n: int,
    *,
    rows: Sequence[Mapping[str, object]] = (),
    rule: IncumbentRule | None = None,
    positive: object = None,
) -> np.ndarray:
    """Which of `n` rows the no-model policy `key` acts on; the incumbent `rule` reads `rows`
    (the raw inputs) and acts where it decides the `positive` class. Without a rule (one
    removed from the spec since the evaluation) it acts on everyone, as before it existed.
    """
    if key == NOBODY:
        return np.zeros(n, dtype=bool)
    if key == INCUMBENT and rule is not None:
        return np.array([rule.acts(row, positive) for row in rows], dtype=bool)
    return np.ones(n, dtype=bool)
