"""What a model is expected to cost over its value model's horizon, people's time included.

Priced by the spec's price table: the training run's compute (as recorded), serving every
decision of the horizon (`prices.per_1k_requests`), keeping the bundle in storage, and the
people's time of the spec's `people:` section (building, reviewing and approving once per
model version; monitoring each month of the horizon). Monitoring compute is a fraction of a
cent per pass and is left out; the ledger counts it as it happens.
"""

from __future__ import annotations

from modelward.evaluation.value import Costs
from modelward.model import MONTHS_PER_YEAR, people_cost
from modelward.spec import ProjectSpec

BYTES_PER_GB = 1e9


def model_costs(
    spec: ProjectSpec, training_cost: float | None, size_bytes: int, decisions_per_year: float
) -> Costs:
    """The expected costs of one model version over the value model's horizon, serving
    `decisions_per_year` (the volume its value is counted over)."""
    prices = spec.prices
    years = 1.0 if spec.value is None else spec.value.horizon_years
    months = MONTHS_PER_YEAR * years
    notes = []
    parts = {"training compute": training_cost or 0.0}
    if training_cost is None:
        notes.append("training compute unknown (the run recorded no cost): counted as 0")
    parts["serving"] = decisions_per_year * years / 1000 * prices.per_1k_requests
    parts["storage"] = size_bytes / BYTES_PER_GB * prices.gb_month * months
    people = people_cost(spec.people, versions=1, months=months)
    parts.update({f"people: {name}": cost for name, cost in people.items()})
    if not people:
        notes.append(
            "people's time is not counted: add a `people:` section (hours of building, "
            "reviewing, approving and monitoring) to count the cost businesses forget"
        )
    return Costs(prices.currency, parts, tuple(notes))
