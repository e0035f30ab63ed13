"""A model whose bytes, manifest, row or key changed is refused before any byte is used."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

import modelward
from modelward.access.keys import KEYS_DIR, SigningKey
from modelward.backends.blobs.backend import LocalBackend
from modelward.backends.store.tables import model_versions
from modelward.errors import Tampered
from modelward.registry import ModelVersion, get_model, load_bundle
from modelward.registry.bundle import signed_digest
from tests.unit.registry.conftest import FILES, Register, registrar


def _blob_path(ws: modelward.Workspace, key: str) -> Path:
    backend = ws.blobs.backend
    assert isinstance(backend, LocalBackend)
    return backend.path(f"sha256/{key[:2]}/{key[2:4]}/{key}")


def _set_row(ws: modelward.Workspace, version: int, **values: Any) -> ModelVersion:
    with ws.transaction() as conn:
        conn.execute(
            update(model_versions).where(model_versions.c.version == version).values(**values)
        )
    return get_model(ws, f"churn/v{version}")


def _file_sha(ws: modelward.Workspace, model: ModelVersion, name: str) -> str:
    sha: str = load_bundle(ws, model).manifest["files"][name]["sha256"]
    return sha


def test_changed_file_bytes_are_refused(ws: modelward.Workspace, register: Register) -> None:
    model = register()
    _blob_path(ws, _file_sha(ws, model, "model.onnx")).write_bytes(b"a forged model")
    with pytest.raises(
        Tampered, match=r"model churn/v1: file model.onnx does not match its signed hash"
    ):
        load_bundle(ws, get_model(ws, "churn"))


def test_missing_file_is_refused(ws: modelward.Workspace, register: Register) -> None:
    model = register()
    _blob_path(ws, _file_sha(ws, model, "encoder.json")).unlink()
    with pytest.raises(Tampered, match=r"file encoder.json .*missing.*refusing to load"):
        load_bundle(ws, model)


def test_changed_manifest_is_refused(ws: modelward.Workspace, register: Register) -> None:
    model = register()
    _blob_path(ws, model.manifest_sha256).write_bytes(b'{"files": {}}')
    with pytest.raises(Tampered, match=r"model churn/v1: its manifest does not match"):
        load_bundle(ws, model)


@pytest.mark.parametrize(
    ("column", "message"),
    [
        ("manifest_sha256", "its signature does not match"),
        ("signature", "its signature does not match"),
        ("both", "its signature does not match"),
        ("key_id", "it is signed by key 0123456789abcdef, which is not registered"),
    ],
)
def test_edited_rows_are_refused(
    ws: modelward.Workspace, register: Register, column: str, message: str
) -> None:
    """Values copied from another, validly signed version do not carry over."""
    register()
    other = register(files={"model.onnx": b"another model"})
    copied: dict[str, Any] = {
        "manifest_sha256": {"manifest_sha256": other.manifest_sha256},
        "signature": {"signature": other.signature},
        "both": {"manifest_sha256": other.manifest_sha256, "signature": other.signature},
        "key_id": {"key_id": "0123456789abcdef"},
    }[column]
    edited = _set_row(ws, 1, **copied)
    with pytest.raises(Tampered, match=rf"model churn/v1: {message}.*; refusing to load"):
        load_bundle(ws, edited)


def test_garbage_signature_is_refused(ws: modelward.Workspace, register: Register) -> None:
    register()
    edited = _set_row(ws, 1, signature="not base64 at all!")
    with pytest.raises(Tampered, match="its signature does not match"):
        load_bundle(ws, edited)


def test_signature_by_another_key_is_refused(ws: modelward.Workspace, register: Register) -> None:
    model = register()
    forger = SigningKey.generate()
    forged = forger.sign_digest(signed_digest(model.ref, model.manifest_sha256))
    edited = _set_row(ws, 1, signature=forged)
    with pytest.raises(Tampered, match="its signature does not match"):
        load_bundle(ws, edited)
    edited = _set_row(ws, 1, signature=forged, key_id=forger.key_id)
    with pytest.raises(Tampered, match=f"signed by key {forger.key_id}, which is not registered"):
        load_bundle(ws, edited)


def test_a_replaced_home_key_keeps_every_registered_signature_valid(
    ws: modelward.Workspace, register: Register
) -> None:
    model = register()
    shutil.rmtree(ws.settings.home / KEYS_DIR)
    assert load_bundle(ws, model).files == FILES  # its key is in the store's registry
    newer = register()  # creates and registers a new key for this home
    assert newer.key_id != model.key_id
    assert load_bundle(ws, newer).files == FILES
    assert load_bundle(ws, model).files == FILES


def test_bundles_on_s3_load_and_refuse_changed_bytes(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    with modelward.open(
        home=tmp_path / "ws",
        store_url=f"sqlite:///{tmp_path / 'store.db'}",
        blob_url=f"s3://{s3_bucket}/blobs",
        s3_endpoint_url=s3_endpoint,
        actor="ana",
    ) as ws:
        modelward.create_project(
            ws, modelward.parse_spec({"name": "churn", "task": "binary", "target": "churned"})
        )
        model = registrar(ws)()
        assert load_bundle(ws, model).files == FILES
        key = _file_sha(ws, model, "model.onnx")
        forged = tmp_path / "forged"
        forged.write_bytes(b"a forged model")
        ws.blobs.backend.put(f"sha256/{key[:2]}/{key[2:4]}/{key}", forged)
        with pytest.raises(Tampered, match=r"file model\.onnx does not match its signed hash"):
            load_bundle(ws, model)
