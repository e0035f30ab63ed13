"""One error tree for modelward.

Every error a user can cause or meet is a `ModelwardError`; each class knows the exit code a
command returns and the HTTP status an API answers with. Interfaces translate errors once, at
their edge; the core raises these and wraps foreign errors with ``raise ... from exc``.
"""

from __future__ import annotations

from typing import ClassVar


class ModelwardError(Exception):
    """Base of every error modelward raises on purpose."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(ModelwardError):
    """A user input (flag, file, spec, body) is invalid; the message names the fix."""

    exit_code = 2
    http_status = 422

    @classmethod
    def field(cls, name: str, value: object, expected: str) -> InputError:
        """The one template: "`--budget`: got -5; expected seconds > 0"."""
        return cls(f"{name}: got {_show(value)}; expected {expected}")


class NotFound(ModelwardError):
    """A referenced object (project, dataset, version, event) does not exist."""

    exit_code = 2
    http_status = 404


class Conflict(ModelwardError):
    """The request contradicts the current state (a name already taken, a stage move refused)."""

    exit_code = 2
    http_status = 409


class IntegrityError(ModelwardError):
    """Stored bytes or records do not match their recorded hash: refused, never used."""

    exit_code = 1
    http_status = 500


class Tampered(IntegrityError):
    """A signed artifact fails its signature or hash check: refused before any byte is used."""

    exit_code = 2
    http_status = 409


class BackendError(ModelwardError):
    """A backend (database, object store, executor) failed or cannot be reached."""

    exit_code = 1
    http_status = 503


class Unauthorized(ModelwardError):
    """No valid credentials: a missing, malformed, unknown, revoked or expired API token."""

    exit_code = 2
    http_status = 401


class Forbidden(ModelwardError):
    """The caller is known but their role does not allow this action."""

    exit_code = 2
    http_status = 403


class TooLarge(ModelwardError):
    """A request body or batch is over the server's size limit."""

    exit_code = 2
    http_status = 413


class RateLimited(ModelwardError):
    """Too many requests for the caller's limit; `retry_after` says when to try again."""

    exit_code = 2
    http_status = 429

    def __init__(self, message: str, *, retry_after: float = 1.0, reason: str = "rate") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.reason = reason  # "rate", or "extraction" for a throttled suspect


def _show(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 80 else text[:77] + "..."
