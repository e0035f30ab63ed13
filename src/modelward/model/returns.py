"""Return on investment, one definition for the evaluation, the ledger, the card and the gates.

    ROI = (incremental value − total cost) / total cost

Incremental value is measured against the better policy that needs no model (or the spec's
incumbent rule): a model that only does what "offer everyone" does is worth nothing extra.
Total cost is compute, storage, serving and monitoring *and people's time* (building,
reviewing, approving, monitoring), the cost businesses forget. When the cost is under
`NEGLIGIBLE_SHARE` of the value, the ratio says little (a division by a fraction of a cent) and
the sentence says "cost is negligible" with the value per year instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from modelward.spec import People

NEGLIGIBLE_SHARE = 0.001  # a cost under 0.1% of the value: a ratio over 1,000 says little
MONTHS_PER_YEAR = 12.0


@dataclass(frozen=True)
class Returns:
    """Incremental value against total cost over one period, and what to say of it.

    `roi` is None when it cannot be computed (no value, no cost, or currencies that differ);
    `negligible` when the cost is under `NEGLIGIBLE_SHARE` of a positive value.
    """

    value: float | None
    cost: float
    roi: float | None
    negligible: bool
    sentence: str

    def to_json(self) -> dict[str, Any]:
        return {
            "value": _rounded(self.value),
            "cost": _rounded(self.cost),
            "roi": None if self.roi is None else round(self.roi, 4),
            "negligible": self.negligible,
            "sentence": self.sentence,
        }


def compute_returns(
    value: float | None,
    cost: float,
    *,
    currency: str,
    per_year: float | None = None,
    why_no_value: str = "no value is priced",
) -> Returns:
    """The returns of `value` (incremental, in `currency`) against `cost` over one period.

    `per_year` is the value per year, which the negligible-cost sentence states.
    """
    if value is None:
        return Returns(None, cost, None, False, f"ROI not computed: {why_no_value}")
    if not math.isfinite(cost) or cost <= 0:
        sentence = "ROI not computed: no cost is recorded, so any return would be unbounded"
        return Returns(value, cost, None, False, sentence)
    ratio = (value - cost) / cost
    if value > 0 and cost < NEGLIGIBLE_SHARE * value:
        yearly = value if per_year is None else per_year
        sentence = (
            f"cost is negligible ({amount(cost)} {currency} against {amount(value)} {currency} "
            f"of value); value {amount(yearly)} {currency} per year"
        )
        return Returns(value, cost, ratio, True, sentence)
    sentence = (
        f"ROI {ratio:,.0%}: {amount(value)} {currency} of value against {amount(cost)} "
        f"{currency} of cost"
    )
    return Returns(value, cost, ratio, False, sentence)


def people_cost(people: People | None, *, versions: float, months: float) -> dict[str, float]:
    """People's time in money: one-off activities per model version, monitoring per month."""
    if people is None:
        return {}
    found = {name: money * versions for name, money in people.per_version().items()}
    if people.monitoring is not None:
        found["monitoring"] = people.per_month() * months
    return found


def amount(value: float) -> str:
    """Money as a sentence says it: 1,234 or 5.50; a fraction of a cent is "<0.01" (not zero,
    and not 8.5e-11, which no manager reads as money)."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 0.01 or value == 0:
        return f"{value:,.2f}"
    return "<0.01" if value > 0 else ">-0.01"


def _rounded(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), 6)
