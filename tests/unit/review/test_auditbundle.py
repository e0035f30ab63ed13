"""The auditor's bundle of a real trained and evaluated wa_churn model: its files, a chain that
plain Python re-checks (and that reports an edit), a signature that `cryptography` checks, and
the `model.exported` event recorded after it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import typer
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from typer.testing import CliRunner

import modelward
from modelward.cli.card import export_audit_command
from modelward.cli.context import AppState
from modelward.errors import InputError
from modelward.events.chain import canonical_json
from modelward.review.auditbundle import export_audit
from tests.unit.registry.conftest import registrar

FILES = {
    "README.md",
    "card.md",
    "card.html",
    "evaluation.json",
    "evaluation.html",
    "model.json",
    "manifest.json",
    "signature.txt",
    "workspace_ed25519.pub.pem",
    "lineage.json",
    "datasets/churn@1/version.json",
    "datasets/churn@1/audit.json",
    "datasets/churn@1/audit.html",
    "chain.jsonl",
    "model-events.jsonl",
    "verify_chain.py",
}


@pytest.fixture
def unzipped(trained_home: Path, tmp_path: Path) -> Path:
    with modelward.open(home=trained_home, actor="auditor") as ws:
        export_audit(ws, "churn/v1", tmp_path / "bundle.zip")
    folder = tmp_path / "bundle"
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        archive.extractall(folder)
    return folder


def plain_python() -> str:
    """A python3 outside this virtual environment, to prove the script needs nothing of it."""
    for candidate in ("/usr/bin/python3", shutil.which("python3") or ""):
        if candidate and Path(candidate).exists() and not candidate.startswith(sys.prefix):
            return candidate
    pytest.fail("no python3 outside the virtual environment to run verify_chain.py with")


def verify(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [plain_python(), "-I", "verify_chain.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_the_bundle_holds_every_record_and_the_event_follows_it(
    trained_home: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "bundle.zip"
    target.parent.mkdir()
    with modelward.open(home=trained_home, actor="auditor") as ws:
        done = export_audit(ws, "churn@candidate", target)
        event = ws.read_events(limit=1)[0]
        assert ws.verify_events().ok
    with zipfile.ZipFile(target) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    assert set(contents) == FILES
    assert [p.name for p in target.parent.iterdir()] == ["bundle.zip"]  # no temp file left
    assert done.sha256 == hashlib.sha256(target.read_bytes()).hexdigest()
    assert event.action == "model.exported"
    assert event.subject == "model/churn/v1"
    assert event.seq == done.event_seq == done.chain_seq + 1
    payload = event.payload_data()
    assert payload["files"] == {n: hashlib.sha256(b).hexdigest() for n, b in contents.items()}
    assert payload["chain_head"] == {"seq": done.chain_seq, "hash": done.chain_hash, "ok": True}
    chain = [json.loads(line) for line in contents["chain.jsonl"].splitlines()]
    assert [e["seq"] for e in chain] == list(range(1, done.chain_seq + 1))
    assert chain[-1]["hash"] == done.chain_hash == event.prev_hash
    own = [json.loads(line) for line in contents["model-events.jsonl"].splitlines()]
    assert {e["subject"] for e in own} == {"model/churn/v1"}
    assert {"model.registered", "model.evaluated"} <= {e["action"] for e in own}
    assert own == [e for e in chain if e["subject"] == "model/churn/v1"]
    lineage = json.loads(contents["lineage.json"])
    assert lineage["run"]["params"]["seed"] == "0"
    assert lineage["run"]["lineage"]["packages"]["scikit-learn"]
    assert len(lineage["trials"]) >= 4
    assert json.loads(contents["evaluation.json"])["report"]["primary"]["metric"] == "roc_auc"
    readme = contents["README.md"].decode()
    assert f"ends at event {done.chain_seq}, hash `{done.chain_hash}`" in readme
    assert "recorded after the bundle is" in readme


def test_plain_python_verifies_the_chain(unzipped: Path) -> None:
    found = verify(unzipped)
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("OK: ")


def test_an_edited_payload_is_reported_with_its_seq(unzipped: Path) -> None:
    path = unzipped / "chain.jsonl"
    events = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    victim = next(e for e in events if e["action"] == "model.evaluated")
    payload = json.loads(victim["payload"])
    payload["facts"]["roc_auc"] = 0.99
    victim["payload"] = canonical_json(payload)
    path.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    found = verify(unzipped)
    assert found.returncode == 1
    assert found.stdout.startswith(f"BROKEN at seq {victim['seq']}: ")
    assert "edited" in found.stdout


def test_a_truncated_chain_is_reported(unzipped: Path) -> None:
    path = unzipped / "chain.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]), encoding="utf-8")
    found = verify(unzipped)
    assert found.returncode == 1
    assert found.stdout.startswith(f"BROKEN at seq {len(lines)}: ")


def test_the_signature_checks_with_cryptography(unzipped: Path) -> None:
    model = json.loads((unzipped / "model.json").read_text(encoding="utf-8"))
    manifest = (unzipped / "manifest.json").read_bytes()
    key = load_pem_public_key((unzipped / "workspace_ed25519.pub.pem").read_bytes())
    assert isinstance(key, Ed25519PublicKey)
    signature = base64.b64decode((unzipped / "signature.txt").read_text().strip())
    sha = hashlib.sha256(manifest).hexdigest()
    assert sha == model["manifest_sha256"]
    bound = canonical_json({"manifest_sha256": sha, "model": model["ref"]})
    message = b"modelward-v1:sha256:" + hashlib.sha256(bound.encode()).hexdigest().encode()
    key.verify(signature, message)
    other = hashlib.sha256(canonical_json({"manifest_sha256": sha, "model": "churn/v9"}).encode())
    with pytest.raises(InvalidSignature, match=r"^$"):  # bound to its ref: not valid for another
        key.verify(signature, b"modelward-v1:sha256:" + other.hexdigest().encode())


def test_the_readme_recipes_run_as_written(unzipped: Path) -> None:
    readme = (unzipped / "README.md").read_text(encoding="utf-8")
    recipes = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    assert len(recipes) == 2
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=unzipped, capture_output=True, text=True, timeout=60
        )
        for code in recipes
    ]
    assert [o.returncode for o in outputs] == [0, 0], [o.stderr for o in outputs]
    assert outputs[0].stdout.startswith("OK ")
    assert outputs[1].stdout == "signature OK\n"
    (unzipped / "manifest.json").write_bytes(b"{}")
    tampered = subprocess.run(
        [sys.executable, "-c", recipes[1]], cwd=unzipped, capture_output=True, text=True
    )
    assert tampered.returncode == 1
    assert "not the signed manifest" in tampered.stderr


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bundle.tar", "ending in .zip"),
        ("missing/bundle.zip", "an existing folder"),
        (".", "ending in .zip"),
    ],
)
def test_a_bad_output_is_refused_before_anything_is_written(
    trained_home: Path, tmp_path: Path, name: str, expected: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    with modelward.open(home=trained_home, actor="auditor") as ws:
        before = ws.read_events(limit=1)[0]
        with pytest.raises(InputError, match=f"--output: .*{re.escape(expected)}"):
            export_audit(ws, "churn/v1", out / name)
        assert ws.read_events(limit=1)[0] == before
    assert list(out.iterdir()) == []


def test_an_unevaluated_model_is_exported_and_says_so(trained_home: Path, tmp_path: Path) -> None:
    with modelward.open(home=trained_home, actor="ana") as ws:
        registrar(ws)()
        export_audit(ws, "churn/v2", tmp_path / "v2.zip")
    with zipfile.ZipFile(tmp_path / "v2.zip") as archive:
        names = set(archive.namelist())
        readme, card, lineage = (archive.read(n) for n in ("README.md", "card.md", "lineage.json"))
    assert "evaluation.json" not in names
    assert "| `evaluation.json` | absent: the model was not evaluated |" in readme.decode()
    assert "Not evaluated: run `modelward evaluate churn/v2`." in card.decode()
    assert json.loads(lineage) == {"run": None, "trials": []}


def _other() -> None:
    """A second command."""


def test_export_audit_command(trained_home: Path, tmp_path: Path) -> None:
    app = typer.Typer()
    app.command("export-audit")(export_audit_command)
    app.command("other")(_other)
    state = AppState(overrides={"home": trained_home, "actor": "auditor"})
    target = tmp_path / "b.zip"
    result = CliRunner().invoke(
        app, ["export-audit", "churn/v1", "-o", str(target), "--json"], obj=state
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["path"] == str(target)
    assert body["chain"]["ok"] is True
    assert set(body["files"]) == FILES
    bad = CliRunner().invoke(app, ["export-audit", "churn/v1", "-o", "b.txt"], obj=state)
    assert isinstance(bad.exception, InputError)
    assert "--output" in bad.exception.message
