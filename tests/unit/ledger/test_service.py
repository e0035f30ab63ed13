"""The ledger on a real workspace: costs checked by hand, value realized, ROI, currencies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

import modelward
from modelward.backends.store.tables import model_versions, projects, runs, trials
from modelward.errors import InputError, NotFound
from modelward.ledger import NO_PROJECT, Ledger, Line, LineKind, ledger
from modelward.registry import get_model
from modelward.spec import parse_spec
from modelward.tracking import get_run, list_runs
from modelward.workspace import Workspace
from tests.unit.ledger.conftest import PRICES, VALUE, Scenario
from tests.unit.serving.conftest import SPEC

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL

MONTH = 365.25 / 12 * 86400
CPU_SECOND = 0.001  # cpu_hour 3.6


def kwh(cpu_seconds: float) -> float:
    return cpu_seconds * float(PRICES["watts_per_core"]) / 3600 / 1000


def stored(size_bytes: int, created_at: str, at: datetime) -> float:
    months = (at - datetime.fromisoformat(created_at)).total_seconds() / MONTH
    return size_bytes / 1e9 * months * float(PRICES["gb_month"])


def training_cpu(ws: Workspace, version: int) -> float:
    """The run's own CPU time plus its trials', read straight from the store."""
    with ws.transaction() as conn:
        run_id, own = conn.execute(
            select(runs.c.id, runs.c.cpu_seconds)
            .join(model_versions, model_versions.c.run_id == runs.c.id)
            .join(projects, projects.c.id == model_versions.c.project_id)
            .where(projects.c.name == "churn", model_versions.c.version == version)
        ).one()
        infos = conn.execute(select(trials.c.info).where(trials.c.run_id == run_id)).scalars()
        return float(own) + sum(float(json.loads(info)["cpu_seconds"]) for info in infos)


def line(book: Ledger, project: str, name: str) -> Line:
    return next(x for x in book.project(project).lines if x.name == name)


def test_a_model_line_prices_training_storage_serving_and_energy(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
        cpu = training_cpu(ws, 1)
        model = get_model(ws, "churn/v1")
    v1 = line(book, "churn", "churn/v1")
    costs = v1.costs
    assert v1.kind is LineKind.MODEL
    assert v1.stage == "candidate"
    assert v1.currency == "USD"
    assert costs.usage.training_cpu_seconds == pytest.approx(cpu)
    assert costs.training == pytest.approx(cpu * CPU_SECOND)
    assert costs.usage.storage_bytes == model.size_bytes
    assert costs.storage == pytest.approx(stored(model.size_bytes, model.created_at, scenario.at))
    # 1,500 requests (the period after the ledger's time is left out) and 4.5 CPU seconds
    assert (costs.usage.requests, costs.usage.rows) == (1500, 1800)
    assert costs.serving == pytest.approx(1.5 * 2.0 + 4.5 * CPU_SECOND)
    assert costs.kwh == pytest.approx(kwh(cpu + 4.5))
    assert costs.energy == pytest.approx(kwh(cpu + 4.5) * 0.5)
    assert costs.co2_kg == pytest.approx(kwh(cpu + 4.5) * 0.25)
    parts = costs.training + costs.storage + costs.serving + costs.energy
    assert costs.total == pytest.approx(parts)
    assert set(v1.estimates) == {"storage", "energy", "co2_kg"}


def test_value_realized_counts_each_outcome_of_the_decisions_acted_on(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
    v1 = line(book, "churn", "churn/v1").value
    assert v1 is not None
    assert v1.currency == "USD"
    counts = {"true_positive": 3, "false_positive": 2, "false_negative": 1, "true_negative": 4}
    assert v1.outcomes == counts
    assert (v1.decisions, v1.skipped) == (10, 1)  # "Maybe" is no class of the model
    tp, fp, fn, tn = (float(VALUE[k]) for k in counts)
    assert v1.amount == pytest.approx(3 * tp + 2 * fp + 1 * fn + 4 * tn)  # 214
    # acting on everyone: 4 positives x 100 + 6 negatives x -20 beats acting on nobody
    assert v1.without_model == pytest.approx(4 * tp + 6 * fp)
    v2 = line(book, "churn", "churn/v2").value
    assert v2 is not None
    assert v2.amount == pytest.approx(tp + fn)
    assert v2.outcomes == {**dict.fromkeys(counts, 0), "true_positive": 1, "false_negative": 1}
    # the shadow answered every primary request with "Yes"; nobody acted on it
    v3 = line(book, "churn", "churn/v3").value
    assert v3 is not None
    assert (v3.decisions, v3.amount) == (0, 0.0)


def test_roi_per_model_and_per_project_include_the_hidden_costs(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
    churn = book.project("churn")
    v1 = line(book, "churn", "churn/v1")
    assert v1.roi is not None
    assert v1.roi.value is not None
    # ROI counts what the decisions added over acting on everyone (280 on the same rows)
    assert v1.value is not None
    assert v1.value.incremental == pytest.approx(214 - 280)
    assert v1.roi.value == pytest.approx((-66 - v1.costs.total) / v1.costs.total)
    total = sum(x.costs.total for x in churn.lines)
    assert churn.costs.total == pytest.approx(total)
    assert churn.costs.total > sum(x.costs.total for x in churn.models)  # hidden costs count
    # v2: a true positive and a false negative (50) against everyone's 200 on those two rows
    assert churn.value == pytest.approx(-66 + (50 - 200) + 0)
    assert churn.roi.value == pytest.approx((-216 - total) / total)


def test_people_time_is_a_cost_of_each_model(scenario: Scenario) -> None:
    people = {"hourly_rate": 100, "building": {"hours": 2}, "monitoring": {"hours": 1}}
    with modelward.open(home=scenario.home, actor="root") as ws:
        spec = {**SPEC, "prices": PRICES, "value": VALUE, "people": people}
        modelward.update_project(ws, parse_spec(spec))
        book = ledger(ws, project="churn", at=scenario.at)
        model = get_model(ws, "churn/v1")
    v1 = line(book, "churn", "churn/v1")
    months = (scenario.at - datetime.fromisoformat(model.created_at)).total_seconds() / MONTH
    assert v1.costs.people == pytest.approx(200 + 100 * months)  # built once, monitored since
    machines = v1.costs.training + v1.costs.storage + v1.costs.serving + v1.costs.energy
    assert v1.costs.total == pytest.approx(machines + v1.costs.people)
    assert any("people's time" in a for a in book.assumptions)


def test_hidden_costs_have_lines_of_their_own(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
        abandoned = next(r for r in list_runs(ws, project="churn") if r.name == "abandoned")
        dataset = modelward.get_version(ws, "churn")
    churn = book.project("churn")
    kinds = [x.kind for x in churn.hidden]
    assert kinds == [LineKind.OTHER_RUNS, LineKind.DATASETS, LineKind.MONITORING]
    other = line(book, "churn", "other runs")
    assert abandoned.cpu_seconds is not None
    assert other.costs.training == pytest.approx(abandoned.cpu_seconds * CPU_SECOND)
    assert "1 failed" in other.notes[0]
    datasets = line(book, "churn", "datasets")
    assert datasets.costs.usage.storage_bytes == dataset.size_bytes
    assert datasets.costs.storage == pytest.approx(
        stored(dataset.size_bytes, dataset.created_at, scenario.at)
    )
    monitoring = line(book, "churn", "monitoring")
    assert monitoring.costs.monitoring == pytest.approx(7.2 * CPU_SECOND)
    assert monitoring.costs.kwh == pytest.approx(kwh(7.2))
    assert any("1 of them recorded no CPU time" in n for n in monitoring.notes)


def test_currencies_are_totalled_apart_never_added(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
        shop_try = next(r for r in list_runs(ws, project="shop") if r.name == "shop-try")
    assert [t.currency for t in book.portfolio] == ["EUR", "USD"]
    eur, usd = book.portfolio
    shop, churn, loose = book.project("shop"), book.project("churn"), book.project(NO_PROJECT)
    assert eur.projects == ("shop",)
    assert shop.currency == "EUR"
    assert eur.costs.total == pytest.approx(shop.costs.total)
    assert shop_try.cpu_seconds is not None
    other = line(book, "shop", "other runs")
    assert other.costs.training == pytest.approx(shop_try.cpu_seconds * 7.2 / 3600)
    assert any("recorded no CPU time" in n for n in other.notes)  # the unfinished run
    assert eur.value is None
    assert eur.roi.value is None
    assert set(usd.projects) == {"churn", NO_PROJECT}
    assert usd.costs.total == pytest.approx(churn.costs.total + loose.costs.total)
    assert usd.value == pytest.approx(-216)
    assert usd.roi.value == pytest.approx((-216 - usd.costs.total) / usd.costs.total)
    assert any("different currencies" in a for a in book.assumptions)


def test_runs_of_no_project_are_priced_at_the_default_table(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
        scratch = get_run(ws, next(r.uid for r in list_runs(ws) if r.name == "scratch"))
    loose = book.project(NO_PROJECT)
    assert loose.currency == "USD"
    assert loose.models == ()
    assert scratch.cpu_seconds is not None
    assert loose.costs.training == pytest.approx(scratch.cpu_seconds * 0.05 / 3600)


def test_the_ledger_time_leaves_out_what_came_later(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        before = ledger(ws, at=datetime(2000, 1, 1, tzinfo=UTC))
    churn = before.project("churn")
    assert churn.models == ()
    assert churn.value is None
    assert churn.costs.total == 0.0


def test_gaps_are_said_and_the_json_is_strict(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home) as ws:
        book = ledger(ws, at=scenario.at)
    said = " ".join(book.assumptions)
    assert "churn/v9" in said  # served, but unknown to the registry
    assert "prediction log batches" in said
    assert "training evidence" in said
    text = json.dumps(book.to_json(), allow_nan=False)
    data = json.loads(text)
    v1 = data["projects"][0]["models"][0]
    assert v1["name"] == "churn/v1"
    assert v1["value"]["amount"] == 214.0
    assert v1["cost"]["total"] == pytest.approx(line(book, "churn", "churn/v1").costs.total)


def test_a_value_model_in_another_currency_is_shown_but_not_in_roi(scenario: Scenario) -> None:
    with modelward.open(home=scenario.home, actor="root") as ws:
        spec = {**SPEC, "prices": PRICES, "value": {**VALUE, "currency": "EUR"}}
        modelward.update_project(ws, parse_spec(spec))
        book = ledger(ws, project="churn", at=scenario.at)
    v1 = line(book, "churn", "churn/v1")
    assert v1.value is not None
    assert v1.value.currency == "EUR"
    assert v1.value.amount == 214.0
    assert v1.roi is not None
    assert v1.roi.value is None
    assert "value in EUR, costs in USD" in v1.roi.note
    churn = book.project("churn")
    assert churn.value is None
    assert churn.roi.value is None
    assert any("value model is in EUR" in n for n in churn.notes)


def test_without_a_value_model_decisions_are_not_priced(served_home: Path) -> None:
    with modelward.open(home=served_home) as ws:
        book = ledger(ws, project="churn")
    v1 = line(book, "churn", "churn/v1")
    assert v1.value is not None
    assert v1.value.amount is None
    assert "no value model" in v1.value.reason
    assert v1.roi is not None
    assert v1.roi.value is None
    assert "no value model" in v1.roi.note
    assert [p.project for p in book.projects] == ["churn"]


def test_bad_arguments_are_refused(served_home: Path) -> None:
    with modelward.open(home=served_home) as ws:
        with pytest.raises(NotFound, match="nope"):
            ledger(ws, project="nope")
        with pytest.raises(InputError, match="at: got"):
            ledger(ws, at=datetime(2030, 1, 1))
