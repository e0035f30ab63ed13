"""What went wrong in a call to S3 (or a compatible store), told without importing botocore.

s3fs raises Python's own errors for some failures (FileNotFoundError, PermissionError) and lets
botocore's through for others (EndpointConnectionError, ReadTimeoutError, NoCredentialsError),
often chained; `diagnose` walks the chain and names the kind, so that each caller can say which
setting to fix instead of "internal error".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CREDENTIALS_FIX = (
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
_UNREACHABLE = frozenset(
    {"EndpointConnectionError", "ClientConnectorError", "ConnectionRefusedError", "gaierror"}
)
_TIMEOUTS = frozenset(
    {
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "TimeoutError",
        "ServerTimeoutError",
        "FSTimeoutError",
    }
)


class Kind(StrEnum):
    MISSING_BUCKET = "missing bucket"
    MISSING = "missing"
    CREDENTIALS = "no credentials"
    DENIED = "access denied"
    UNREACHABLE = "unreachable"
    TIMEOUT = "timeout"
    OTHER = "other"


@dataclass(frozen=True)
class Problem:
    kind: Kind
    detail: str  # the first line of the deepest useful message


def diagnose(exc: BaseException) -> Problem | None:
    """The kind of S3 failure `exc` is, or None when it is not one (a bug to report)."""
    chain = _chain(exc)
    names = {type(e).__name__ for e in chain}
    code = next((c for c in map(_client_error_code, chain) if c is not None), None)
    detail = one_line(chain[0])
    if code == "NoSuchBucket" or (
        isinstance(exc, FileNotFoundError) and "bucket" in str(exc).lower()
    ):
        return Problem(Kind.MISSING_BUCKET, detail)
    if isinstance(exc, FileNotFoundError) or code in {"NoSuchKey", "404"}:
        return Problem(Kind.MISSING, detail)
    if names & _CREDENTIAL_ERRORS:
        return Problem(Kind.CREDENTIALS, detail)
    if isinstance(exc, PermissionError) or code in _DENIED_CODES:
        return Problem(Kind.DENIED, detail)
    if names & _TIMEOUTS:
        return Problem(Kind.TIMEOUT, detail)
    if names & _UNREACHABLE:
        return Problem(Kind.UNREACHABLE, detail)
    if isinstance(exc, OSError) or code is not None or any(map(_from_aws_sdk, chain)):
        return Problem(Kind.OTHER, detail)
    return None


def one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _chain(exc: BaseException) -> list[BaseException]:
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < 10:
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _client_error_code(exc: BaseException) -> str | None:
    """The error code of a botocore ClientError, found without importing botocore."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return None
    code = response.get("Error", {}).get("Code")
    return str(code) if code is not None else None


def _from_aws_sdk(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("botocore.", "aiobotocore.", "aiohttp."))
