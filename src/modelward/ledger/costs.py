"""Pricing: usage times the spec's price table, and the figures that are estimates.

Compute is priced per CPU hour (training, serving, monitoring alike); requests per 1,000;
storage per GB-month, pro rata for the time each byte has been kept; energy is every CPU
second times the draw of one busy core, priced per kWh on top of the CPU price (set `kwh: 0`
when the CPU price already includes power), and CO2 is that energy times the grid factor.
"""

from __future__ import annotations

from datetime import datetime

from modelward.ledger.records import Costs, Usage
from modelward.spec import Prices

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_MONTH = 365.25 / 12 * 86400  # a mean calendar month
BYTES_PER_GB = 1e9  # decimal gigabytes, as storage is billed

ASSUMPTIONS = (
    "training CPU is the run's own process plus the CPU time of each of its trials, "
    "as recorded; runs that recorded none count 0",
    "storage is estimated pro rata: bytes x months kept (a month = 30.44 days, 1 GB = 10^9 "
    "bytes) x gb_month, from each artifact's creation to the ledger's time",
    "energy is estimated: CPU seconds x watts_per_core, priced at kwh on top of cpu_hour "
    "(set prices.kwh to 0 when cpu_hour already includes power); CO2 = kWh x co2_kg_per_kwh",
    "GPU time is not recorded, so prices.gpu_hour is not used",
)


def gb_months(size_bytes: int, created_at: str, at: datetime) -> float:
    """GB-months of keeping `size_bytes` from `created_at` (ISO-8601) until `at`."""
    kept = (at - datetime.fromisoformat(created_at)).total_seconds()
    return size_bytes / BYTES_PER_GB * max(0.0, kept) / SECONDS_PER_MONTH


def price(usage: Usage, prices: Prices) -> Costs:
    """`usage` in money under `prices` (the price table's currency), with energy and CO2."""
    per_cpu_second = prices.cpu_hour / SECONDS_PER_HOUR
    kwh = usage.cpu_seconds * prices.watts_per_core / SECONDS_PER_HOUR / 1000.0
    return Costs(
        usage=usage,
        training=usage.training_cpu_seconds * per_cpu_second,
        storage=usage.storage_gb_months * prices.gb_month,
        serving=usage.requests / 1000.0 * prices.per_1k_requests
        + usage.serving_cpu_seconds * per_cpu_second,
        monitoring=usage.monitoring_cpu_seconds * per_cpu_second,
        energy=kwh * prices.kwh,
        kwh=kwh,
        co2_kg=kwh * prices.co2_kg_per_kwh,
    )


def estimated(usage: Usage) -> tuple[str, ...]:
    """The figures of a line that are estimates rather than measurements."""
    found = []
    if usage.storage_bytes:
        found.append("storage")
    if usage.cpu_seconds:
        found.extend(("energy", "co2_kg"))
    return tuple(found)
