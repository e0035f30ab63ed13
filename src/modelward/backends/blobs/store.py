"""Content-addressed blobs: the key is the sha256 of the bytes, checked on every read."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from modelward.backends.blobs.backend import BlobBackend
from modelward.errors import IntegrityError, NotFound

CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    """Stores files by the sha256 of their content; a blob whose bytes changed is refused.

    Writing the same content twice stores it once. `tmp_dir` must be on a local disk; reads of
    remote blobs land there before their hash is checked.
    """

    def __init__(self, backend: BlobBackend, tmp_dir: Path) -> None:
        self.backend = backend
        self.tmp_dir = tmp_dir

    def put_file(self, path: Path, *, digest: str | None = None) -> str:
        """Store the file at `path` and return its key (its sha256 in hex)."""
        key = digest or sha256_file(path)
        if not self.backend.exists(_layout(key)):
            self.backend.put(_layout(key), path)
        return key

    def put_bytes(self, data: bytes) -> str:
        key = hashlib.sha256(data).hexdigest()
        if self.backend.exists(_layout(key)):
            return key
        with self._scratch() as tmp:
            tmp.write_bytes(data)
            self.backend.put(_layout(key), tmp)
        return key

    def exists(self, key: str) -> bool:
        return self.backend.exists(_layout(key))

    @contextmanager
    def open_verified(self, key: str) -> Iterator[Path]:
        """A local copy of the blob whose hash was checked; removed when the block ends."""
        with self._scratch() as tmp:
            try:
                self.backend.fetch(_layout(key), tmp)
            except FileNotFoundError as exc:
                raise NotFound(f"blob {key[:12]} is missing from the blob store") from exc
            actual = sha256_file(tmp)
            if actual != key:
                raise IntegrityError(
                    f"blob {key[:12]} is corrupted: its bytes now hash to {actual[:12]}; "
                    "restore it from a backup or add the data again"
                )
            yield tmp

    def read_bytes(self, key: str) -> bytes:
        with self.open_verified(key) as path:
            return path.read_bytes()

    @contextmanager
    def _scratch(self) -> Iterator[Path]:
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.tmp_dir / f"blob-{uuid.uuid4().hex}"
        try:
            yield tmp
        finally:
            tmp.unlink(missing_ok=True)


def _layout(key: str) -> str:
    # Two levels of fan-out keep folders small on file systems that dislike huge directories.
    return f"sha256/{key[:2]}/{key[2:4]}/{key}"
