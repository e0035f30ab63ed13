"""Byte-moving backends for blobs, chosen by URL: a local folder or an fsspec remote (s3://).

A backend only moves bytes by key; hashing, verification and naming live in `BlobStore`.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any, Protocol

from modelward.backends.s3errors import CREDENTIALS_FIX, Kind, Problem, diagnose
from modelward.errors import BackendError, InputError
from modelward.settings import apply_attempts

KNOWN_SCHEMES = ("file (a folder)", "s3")
# An upload slower than this is taken for a stalled endpoint (after the timeouts' own allowance).
UPLOAD_FLOOR_BYTES_PER_SECOND = 512 * 1024


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

    def __init__(
        self, fs: Any, root: str, endpoint: str | None = None, stall_seconds: float | None = None
    ) -> None:
        self.fs = fs
        self.root = root.rstrip("/")
        self.endpoint = endpoint  # for messages: None is AWS
        # How long every attempt of one call may wait, in all: an upload's `Expect: 100-continue`
        # waits for an answer with no timeout of its own, so a stalled endpoint would hang it.
        self.stall_seconds = stall_seconds

    def put(self, key: str, source: Path) -> None:
        deadline = None
        if self.stall_seconds is not None:
            deadline = self.stall_seconds + source.stat().st_size / UPLOAD_FLOOR_BYTES_PER_SECOND
        self._call(self.fs.put_file, str(source), f"{self.root}/{key}", timeout=deadline)

    def fetch(self, key: str, dest: Path) -> None:
        self._call(self.fs.get_file, f"{self.root}/{key}", str(dest))

    def exists(self, key: str) -> bool:
        return bool(self._call(self.fs.exists, f"{self.root}/{key}"))

    def _call(self, fn: Any, *args: Any, timeout: float | None = None) -> Any:
        try:
            return fn(*args) if timeout is None else fn(*args, timeout=timeout)
        except Exception as exc:
            problem = diagnose(exc)
            if problem is None:
                raise
            if problem.kind is Kind.MISSING:
                raise  # a blob that is not there: the blob store says which
            raise _blob_error(f"s3://{self.root}", problem, self.endpoint) from exc


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
        options, attempts = apply_attempts(storage_options or {})
        fs = s3fs.S3FileSystem(skip_instance_cache=True, **options)
        if attempts is not None:
            fs.retries = attempts
        endpoint = options.get("client_kwargs", {}).get("endpoint_url")
        return FsspecBackend(fs, url.removeprefix("s3://"), endpoint, _stall(options, attempts))
    raise InputError.field("blob_url", url, f"a URL with scheme {' | '.join(KNOWN_SCHEMES)}")


def _stall(options: dict[str, Any], attempts: int | None) -> float | None:
    """Every attempt's connect and read timeouts, with room for the back-off between them."""
    config = options.get("config_kwargs", {})
    connect, read = config.get("connect_timeout"), config.get("read_timeout")
    if connect is None or read is None:
        return None
    return (attempts or 1) * (float(connect) + float(read)) + 5.0


def _blob_error(where: str, problem: Problem, endpoint: str | None) -> InputError | BackendError:
    """The failure of a call to the blob store, naming the setting that fixes it."""
    bucket = where.removeprefix("s3://").split("/", 1)[0]
    at = f"the endpoint {endpoint}" if endpoint else "AWS S3"
    if problem.kind is Kind.MISSING_BUCKET:
        return InputError(
            f"blob_url {where}: the bucket {bucket} does not exist at {at}; create it, or point "
            "blob_url (MODELWARD_BLOB_URL) at one that does"
        )
    if problem.kind is Kind.CREDENTIALS:
        return InputError(f"blob_url {where}: no credentials for {at}; {CREDENTIALS_FIX}")
    if problem.kind is Kind.DENIED:
        return InputError(
            f"blob_url {where}: access denied ({problem.detail}); {CREDENTIALS_FIX}, and let "
            "that identity s3:GetObject, s3:PutObject and s3:ListBucket on the bucket"
        )
    if problem.kind in (Kind.UNREACHABLE, Kind.TIMEOUT):
        what = "cannot connect to" if problem.kind is Kind.UNREACHABLE else "no answer in time from"
        return InputError(
            f"blob_url {where}: {what} {at} ({problem.detail}); check s3_endpoint_url "
            "(MODELWARD_S3_ENDPOINT_URL) and the network; each call gives up after "
            "s3_connect_timeout / s3_read_timeout seconds and s3_retries retries"
        )
    return BackendError(f"blob store {where}: {problem.detail}")
