"""Fetch a remote file (s3://, or any fsspec URL) to a local path, translating failures.

fsspec and s3fs are imported lazily: a laptop install without the s3 extra still reads files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelward.backends import CREDENTIALS_FIX, Kind, diagnose
from modelward.errors import InputError
from modelward.settings import apply_attempts


def download(uri: str, dest: Path, storage_options: dict[str, Any]) -> None:
    """Copy the object at `uri` to `dest`; every failure is an `InputError` naming the URL."""
    fs, remote = _filesystem(uri, storage_options)
    try:
        fs.get_file(remote, str(dest))
    except Exception as exc:
        error = _translate(exc, uri)
        if error is None:
            raise
        raise error from exc


def _filesystem(uri: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    try:
        import fsspec

        # A fresh instance each time: fsspec caches file systems with the credentials they
        # found first, which would hide a changed (or removed) credential.
        options, attempts = apply_attempts(storage_options)
        if not uri.startswith("s3://"):  # the timeouts and attempts are S3's
            options = {}
        fs, path = fsspec.core.url_to_fs(uri, **options, skip_instance_cache=True)
        if attempts is not None and options:
            fs.retries = attempts
        return fs, path
    except ImportError as exc:
        scheme = uri.split("://", 1)[0]
        raise InputError(
            f"{uri}: reading {scheme}:// URLs needs an extra package ({exc}); "
            "install it, e.g. `pip install modelward[s3]` for s3://"
        ) from exc
    except (ValueError, TypeError) as exc:
        raise InputError.field(
            "URI", uri, f"a local path or a URL such as s3://bucket/key.csv ({exc})"
        ) from exc


def _translate(exc: Exception, uri: str) -> InputError | None:
    if isinstance(exc, IsADirectoryError):
        return InputError(
            f"{uri}: is a folder, not a file; give the URL of one CSV or Parquet file"
        )
    problem = diagnose(exc)
    if problem is None:
        return None
    if problem.kind in (Kind.MISSING, Kind.MISSING_BUCKET):
        return InputError(f"{uri}: not found; check the bucket and the key (path) of the object")
    if problem.kind is Kind.CREDENTIALS:
        return InputError(f"{uri}: no credentials to read it; {CREDENTIALS_FIX}")
    if problem.kind is Kind.DENIED:
        return InputError(f"{uri}: access denied ({problem.detail}); {CREDENTIALS_FIX}")
    return InputError(
        f"{uri}: cannot be fetched ({problem.detail}); check the URL, the endpoint "
        "(s3_endpoint_url), the network and the s3_connect_timeout and s3_read_timeout settings"
    )
