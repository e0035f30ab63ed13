"""`audit verify --blobs`: every blob the records point at is read back; a missing or corrupt
one is listed with the records that need it, and the card's signature line says so too."""

from __future__ import annotations

from pathlib import Path

import modelward
from modelward.backends.blobs.backend import LocalBackend
from modelward.registry import get_model, load_bundle
from modelward.review.blobcheck import check_blobs
from modelward.review.card import gather
from tests.unit.registry.conftest import Register


def _path(ws: modelward.Workspace, key: str) -> Path:
    backend = ws.blobs.backend
    assert isinstance(backend, LocalBackend)
    return backend.path(f"sha256/{key[:2]}/{key[2:4]}/{key}")


def test_a_missing_and_a_corrupt_blob_are_named_with_their_users(
    ws: modelward.Workspace, register: Register
) -> None:
    model = register()
    assert check_blobs(ws).ok
    assert gather(ws, model).signature == "valid"
    files = load_bundle(ws, model).manifest["files"]
    _path(ws, files["model.onnx"]["sha256"]).unlink()
    _path(ws, files["encoder.json"]["sha256"]).write_bytes(b"{}")
    report = check_blobs(ws)
    found = {p.blob: p for p in report.problems}
    assert not report.ok
    missing = found[files["model.onnx"]["sha256"]]
    assert (missing.problem, missing.used_by) == ("missing", ("model churn/v1 (file model.onnx)",))
    assert found[files["encoder.json"]["sha256"]].problem.startswith("corrupt")
    signature = gather(ws, get_model(ws, model.ref)).signature
    assert signature.startswith("NOT VALID: file(s) model.onnx missing from the blob store")
