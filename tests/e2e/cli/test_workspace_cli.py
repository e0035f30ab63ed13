from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

import modelward
from modelward.backends.blobs.backend import LocalBackend
from tests.e2e.conftest import Cli

pytestmark = pytest.mark.usefixtures("each_store")  # SQLite and PostgreSQL

SPEC = Path(__file__).parents[3] / "examples" / "wa_churn" / "modelward.yaml"


def test_init_then_verify(cli: Cli, home: Path) -> None:
    result = cli("init", "--json")
    assert result.code == 0
    assert result.json()["home"] == str(home)
    assert len(result.json()["signing_key"]) == 16
    assert (home / "keys" / "workspace_ed25519.pem").stat().st_mode & 0o077 == 0
    verified = cli("audit", "verify")
    assert verified.code == 0
    assert verified.out.startswith("OK: 2 events")  # the key's registration, the init


def test_project_create_list_show(cli: Cli) -> None:
    assert cli("project", "create", SPEC).code == 0
    assert cli("project", "create", SPEC).code == 0  # same spec again: unchanged
    listed = cli("project", "list", "--json").json()
    assert [p["name"] for p in listed] == ["churn"]
    shown = cli("project", "show", "churn")
    assert "target: churn" in shown.out
    log = cli("audit", "log", "--json").json()
    # newest first: the second create recorded nothing; the first change registered the key
    assert [e["action"] for e in log] == ["project.created", "key.registered"]


def test_invalid_spec_exits_2_with_one_line_per_field(cli: Cli, tmp_path: Path) -> None:
    bad = tmp_path / "modelward.yaml"
    bad.write_text("name: churn\ntask: binary\ntarget: churn\nmetric: rmse\ngates: [{metric: x}]\n")
    result = cli("project", "create", bad)
    assert result.code == 2
    assert "gates.0" in result.err
    assert "Traceback" not in result.err
    assert cli("project", "list", "--json").json() == []


def test_unknown_project_is_exit_2(cli: Cli) -> None:
    result = cli("project", "show", "nope")
    assert result.code == 2
    assert "project 'nope' not found" in result.err


def test_usage_error_is_exit_2(cli: Cli) -> None:
    assert cli("data", "frobnicate").code == 2


def test_tampered_log_fails_verify(cli: Cli, home: Path) -> None:

    cli("project", "create", SPEC)
    with modelward.open(home=home) as ws, ws.transaction() as conn:  # either store
        conn.execute(text("UPDATE events SET actor = 'mallory' WHERE seq = 1"))
    result = cli("audit", "verify", "--json")
    assert result.code == 3  # tampered: neither an input error (2) nor a failure (1)
    assert result.json()["broken_seq"] == 1


def test_console_script_runs(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "modelward", "--home", str(tmp_path), "audit", "verify"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "OK" in done.stdout


def test_runs_list_and_show(cli: Cli, home: Path) -> None:

    with modelward.open(home=home) as ws:
        for auc in (0.7, 0.9):
            with ws.start_run(name=f"m{int(auc * 10)}") as run:
                run.log_params({"depth": 3})
                run.log_metric("auc", auc)
    ranked = cli("runs", "list", "--sort", "auc", "--json").json()
    assert [r["name"] for r in ranked] == ["m9", "m7"]
    assert cli("runs", "list", "--where", "auc>0.8", "--json").json()[0]["name"] == "m9"
    shown = cli("runs", "show", run.uid[:8])
    assert shown.code == 0
    assert "depth" in shown.out
    bad = cli("runs", "list", "--where", "auc is high")
    assert bad.code == 2
    assert "--where" in bad.err


def test_verify_blobs_exits_3_and_lists_the_missing_blob(cli: Cli, home: Path) -> None:
    csv = home.parent / "rows.csv"
    csv.write_text("tenure,churn\n1,Yes\n5,No\n", encoding="utf-8")
    assert cli("data", "add", csv, "--name", "rows").code == 0
    assert cli("audit", "verify", "--blobs").code == 0
    with modelward.open(home=home) as ws:
        version = modelward.get_version(ws, "rows@1")
        backend = ws.blobs.backend
        assert isinstance(backend, LocalBackend)
        key = version.content_hash
        backend.path(f"sha256/{key[:2]}/{key[2:4]}/{key}").unlink()
    found = cli("audit", "verify", "--blobs")
    assert found.code == 3
    assert "missing; needed by dataset rows@1" in found.out
