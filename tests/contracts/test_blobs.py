"""The blob store contract, run against a local folder and moto's S3 server."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from modelward.backends.blobs import BlobStore, open_backend
from modelward.errors import InputError, IntegrityError, NotFound


@pytest.fixture(params=["local", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        backend = open_backend(str(tmp_path / "blobs"))
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        bucket = request.getfixturevalue("s3_bucket")
        options = {"client_kwargs": {"endpoint_url": endpoint}}
        backend = open_backend(f"s3://{bucket}/prefix", options)
    return BlobStore(backend, tmp_path / "tmp")


def test_put_returns_sha256_and_reads_back(blobs: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(b"churn" * 1000)
    key = blobs.put_file(source)
    assert key == hashlib.sha256(source.read_bytes()).hexdigest()
    assert blobs.exists(key)
    assert blobs.read_bytes(key) == source.read_bytes()


def test_same_content_is_stored_once(blobs: BlobStore) -> None:
    assert blobs.put_bytes(b"same") == blobs.put_bytes(b"same")


def test_missing_blob_is_not_found(blobs: BlobStore) -> None:
    with pytest.raises(NotFound, match="missing"):
        blobs.read_bytes("0" * 64)


def test_corrupted_blob_is_refused(blobs: BlobStore, tmp_path: Path) -> None:
    key = blobs.put_bytes(b"original bytes")
    forged = tmp_path / "forged"
    forged.write_bytes(b"tampered bytes")
    # Overwrite the stored object behind the store's back.
    blobs.backend.put(f"sha256/{key[:2]}/{key[2:4]}/{key}", forged)
    with pytest.raises(IntegrityError, match="corrupted"):
        blobs.read_bytes(key)


def test_scratch_files_are_cleaned_up(blobs: BlobStore) -> None:
    key = blobs.put_bytes(b"x")
    blobs.read_bytes(key)
    assert list(blobs.tmp_dir.iterdir()) == []


def test_local_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = BlobStore(open_backend(str(tmp_path / "blobs")), tmp_path / "tmp")
    store.put_bytes(b"abc")
    names = [p.name for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    assert names == [hashlib.sha256(b"abc").hexdigest()]


def test_unknown_blob_scheme_is_an_input_error() -> None:
    with pytest.raises(InputError, match="s3"):
        open_backend("gopher://x/y")
