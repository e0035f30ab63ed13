"""Signed bundles: write a model's files and manifest as blobs, and check them before use.

The manifest lists every file by sha256 and size. What the workspace key signs is the digest of
the manifest's hash *bound to the model's reference* (`signed_digest`), so a valid signature
copied onto another version's row fails: nobody with write access to the table can make
`churn@production` load the bytes of another version without the private key.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from modelward.access import SigningKey, VerifyKey
from modelward.backends.blobs import BlobStore
from modelward.errors import InputError, IntegrityError, NotFound, Tampered
from modelward.events import canonical_json
from modelward.registry.records import Bundle, ModelVersion

FILES_KEY = "files"
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def check_files(files: Mapping[str, bytes]) -> None:
    """File names must be simple names: no folders, nothing hidden, nothing to escape with."""
    for name, data in files.items():
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name):
            raise InputError.field(
                "file name", name, "letters, digits, `_`, `.` or `-`, starting with one of the two"
            )
        if not isinstance(data, bytes):
            raise InputError.field(f"file {name}", type(data).__name__, "bytes")


def store_files(blobs: BlobStore, files: Mapping[str, bytes]) -> dict[str, dict[str, Any]]:
    """Write each file as a blob; the entries the manifest lists them by, sorted by name."""
    return {
        name: {"sha256": blobs.put_bytes(files[name]), "size": len(files[name])}
        for name in sorted(files)
    }


def manifest_bytes(manifest: Mapping[str, Any], entries: dict[str, dict[str, Any]]) -> bytes:
    """The canonical JSON of the manifest with its `files` entries added."""
    if FILES_KEY in manifest:
        raise InputError.field("manifest", FILES_KEY, "no `files` key: the registry writes it")
    try:
        return canonical_json({**manifest, FILES_KEY: entries}).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise InputError.field("manifest", type(exc).__name__, "JSON-serializable values") from exc


def signed_digest(ref: str, manifest_sha256: str) -> str:
    """The sha256 hex the workspace key signs: the manifest's hash bound to the model's ref."""
    body = canonical_json({"manifest_sha256": manifest_sha256, "model": ref})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def sign(key: SigningKey, ref: str, manifest_sha256: str) -> str:
    return key.sign_digest(signed_digest(ref, manifest_sha256))


def verify_bundle(blobs: BlobStore, key: VerifyKey, model: ModelVersion) -> Bundle:
    """The model's manifest and files after every check passed; `Tampered` at the first failure."""
    check_signature(key, model)
    manifest = _read_manifest(blobs, model)
    entries = manifest.get(FILES_KEY)
    if not isinstance(entries, dict):
        raise _tampered(model, "its manifest lists no files")
    files = {name: _read_file(blobs, model, name, entry) for name, entry in entries.items()}
    return Bundle(manifest=manifest, files=files)


def check_signature(key: VerifyKey, model: ModelVersion) -> None:
    """The row's signature must be the workspace key's, over this ref and manifest hash."""
    if model.key_id != key.key_id:
        raise _tampered(
            model, f"it names signing key {model.key_id}, not the workspace's key {key.key_id}"
        )
    if not _SHA256_HEX.fullmatch(model.manifest_sha256):
        raise _tampered(model, "its manifest hash is not a sha256")
    try:
        key.verify_digest(signed_digest(model.ref, model.manifest_sha256), model.signature)
    except IntegrityError as exc:
        raise _tampered(model, "its signature does not match its manifest") from exc


def _read_manifest(blobs: BlobStore, model: ModelVersion) -> dict[str, Any]:
    data = _read_blob(blobs, model, model.manifest_sha256, "its manifest")
    try:
        manifest = json.loads(data)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _tampered(model, "its manifest is not JSON") from exc
    if not isinstance(manifest, dict):
        raise _tampered(model, "its manifest is not a JSON object")
    return manifest


def _read_file(blobs: BlobStore, model: ModelVersion, name: str, entry: Any) -> bytes:
    what = f"file {name}"
    if not isinstance(entry, dict) or not _SHA256_HEX.fullmatch(str(entry.get("sha256"))):
        raise _tampered(model, f"{what} has no sha256 in the manifest")
    data = _read_blob(blobs, model, entry["sha256"], what)
    if len(data) != entry.get("size"):
        raise _tampered(model, f"{what} does not have its signed size")
    return data


def _read_blob(blobs: BlobStore, model: ModelVersion, sha256: str, what: str) -> bytes:
    try:
        data = blobs.read_bytes(sha256)
    except (NotFound, IntegrityError) as exc:  # a missing blob, or one whose bytes changed
        raise _tampered(model, f"{what} does not match its signed hash ({exc.message})") from exc
    # The blob store checks the hash too; checking here keeps the promise for any store.
    if hashlib.sha256(data).hexdigest() != sha256:
        raise _tampered(model, f"{what} does not match its signed hash")
    return data


def _tampered(model: ModelVersion, what: str) -> Tampered:
    return Tampered(f"model {model.ref}: {what}; refusing to load")
