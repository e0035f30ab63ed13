"""Fetch a remote file (s3://, or any fsspec URL) to a local path, translating failures.

fsspec and s3fs are imported lazily: a laptop install without the s3 extra still reads files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from modelward.errors import InputError

_CREDENTIALS_FIX = (
    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE naming a profile "
    "in ~/.aws/credentials"
)
_CREDENTIAL_ERRORS = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "NoAuthTokenError",
        "CredentialRetrievalError",
    }
)
_DENIED_CODES = frozenset(
    {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken", "403"}
)
_MISSING_CODES = frozenset({"NoSuchBucket", "NoSuchKey", "404"})


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
        options = {**storage_options, "skip_instance_cache": True}
        return fsspec.core.url_to_fs(uri, **options)  # type: ignore[no-any-return]
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
    code = _client_error_code(exc)
    if isinstance(exc, FileNotFoundError) or code in _MISSING_CODES:
        return InputError(f"{uri}: not found; check the bucket and the key (path) of the object")
    if isinstance(exc, IsADirectoryError):
        return InputError(
            f"{uri}: is a folder, not a file; give the URL of one CSV or Parquet file"
        )
    if type(exc).__name__ in _CREDENTIAL_ERRORS:
        return InputError(f"{uri}: no credentials to read it; {_CREDENTIALS_FIX}")
    if isinstance(exc, PermissionError) or code in _DENIED_CODES:
        return InputError(f"{uri}: access denied ({_one_line(exc)}); {_CREDENTIALS_FIX}")
    if isinstance(exc, OSError) or code is not None or _from_aws_sdk(exc):
        return InputError(
            f"{uri}: cannot be fetched ({_one_line(exc)}); check the URL, the endpoint and "
            "the network"
        )
    return None


def _client_error_code(exc: Exception) -> str | None:
    """The error code of a botocore ClientError, found without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def _from_aws_sdk(exc: Exception) -> bool:
    return type(exc).__module__.startswith(("botocore.", "aiobotocore."))


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
