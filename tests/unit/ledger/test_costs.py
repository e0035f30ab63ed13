"""Pricing usage: CPU, requests, GB-months, energy and CO2 by the price table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelward.ledger import Costs, Usage
from modelward.ledger.costs import SECONDS_PER_MONTH, estimated, gb_months, price
from modelward.spec.model import Prices

PRICES = Prices(
    cpu_hour=3.6, gb_month=2.0, per_1k_requests=0.5, kwh=0.2, watts_per_core=50, co2_kg_per_kwh=0.3
)


def test_each_kind_of_usage_has_its_price() -> None:
    usage = Usage(
        training_cpu_seconds=100,
        storage_bytes=5_000_000_000,
        storage_gb_months=15.0,
        requests=4000,
        rows=9000,
        serving_cpu_seconds=20,
        monitoring_cpu_seconds=30,
    )
    costs = price(usage, PRICES)
    assert costs.training == pytest.approx(0.1)
    assert costs.storage == pytest.approx(30.0)
    assert costs.serving == pytest.approx(2.0 + 0.02)
    assert costs.monitoring == pytest.approx(0.03)
    assert costs.kwh == pytest.approx(150 * 50 / 3.6e6)
    assert costs.energy == pytest.approx(costs.kwh * 0.2)
    assert costs.co2_kg == pytest.approx(costs.kwh * 0.3)
    assert costs.total == pytest.approx(0.1 + 30.0 + 2.02 + 0.03 + costs.energy)
    assert estimated(usage) == ("storage", "energy", "co2_kg")
    assert estimated(Usage(requests=3)) == ()


def test_storage_is_pro_rata_and_never_negative() -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    later = created + timedelta(seconds=2 * SECONDS_PER_MONTH)
    assert gb_months(3_000_000_000, created.isoformat(), later) == pytest.approx(6.0)
    assert gb_months(3_000_000_000, created.isoformat(), created - timedelta(days=1)) == 0.0


def test_costs_add_up_field_by_field() -> None:
    one = price(Usage(training_cpu_seconds=10, requests=1), PRICES)
    two = price(Usage(serving_cpu_seconds=5, storage_bytes=7), PRICES)
    both = one + two
    assert isinstance(both, Costs)
    assert both.usage == Usage(
        training_cpu_seconds=10, requests=1, serving_cpu_seconds=5, storage_bytes=7
    )
    assert both.total == pytest.approx(one.total + two.total)
