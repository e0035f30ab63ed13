"""Byte-moving backends for blobs, chosen by URL: a local folder or an fsspec remote (s3://).

A backend only moves bytes by key; hashing, verification and naming live in `BlobStore`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Protocol

from modelward.errors import BackendError, InputError

KNOWN_SCHEMES = ("file (a folder)", "s3")


class BlobBackend(Protocol):
    """Moves whole files by key. `put` is atomic: a reader sees all of a blob or none."""

    def put(self, key: str, source: Path) -> None: ...

    def fetch(self, key: str, dest: Path) -> None: ...

    def exists(self, key: str) -> bool: ...


class LocalBackend:
    """Blobs as files under a root folder; writes go to a temporary name, then rename."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, source: Path) -> None:
        final = self.path(key)
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
        try:
            with source.open("rb") as src, tmp.open("wb") as dst:
                while chunk := src.read(1 << 20):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            tmp.replace(final)
        finally:
            tmp.unlink(missing_ok=True)

    def fetch(self, key: str, dest: Path) -> None:
        with self.path(key).open("rb") as src, dest.open("wb") as dst:
            while chunk := src.read(1 << 20):
                dst.write(chunk)

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()


class FsspecBackend:
    """Blobs in an fsspec filesystem (S3 and compatibles). An S3 PUT is atomic by itself."""

    def __init__(self, fs: Any, root: str) -> None:
        self.fs = fs
        self.root = root.rstrip("/")

    def put(self, key: str, source: Path) -> None:
        self._call(self.fs.put_file, str(source), f"{self.root}/{key}")

    def fetch(self, key: str, dest: Path) -> None:
        self._call(self.fs.get_file, f"{self.root}/{key}", str(dest))

    def exists(self, key: str) -> bool:
        return bool(self._call(self.fs.exists, f"{self.root}/{key}"))

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except FileNotFoundError:
            raise
        except (OSError, PermissionError) as exc:
            raise BackendError(f"blob store {self.root}: {exc}") from exc


def open_backend(url: str, storage_options: dict[str, Any] | None = None) -> BlobBackend:
    """The backend for `url`: a plain path is a local folder; `s3://` needs modelward[s3]."""
    scheme = url.split("://", 1)[0] if "://" in url else "file"
    if scheme == "file":
        return LocalBackend(Path(url.removeprefix("file://")))
    if scheme == "s3":
        try:
            import s3fs
        except ImportError as exc:
            raise InputError("blob_url: s3:// needs s3fs; install modelward[s3]") from exc
        fs = s3fs.S3FileSystem(skip_instance_cache=True, **(storage_options or {}))
        return FsspecBackend(fs, url.removeprefix("s3://"))
    raise InputError.field("blob_url", url, f"a URL with scheme {' | '.join(KNOWN_SCHEMES)}")
