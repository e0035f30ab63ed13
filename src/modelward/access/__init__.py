"""Access: users, roles, tokens and the workspace's signing key."""

from modelward.access.keys import (
    BYTES_DOMAIN,
    DIGEST_DOMAIN,
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    SigningKey,
    VerifyKey,
    load_or_create_key,
    load_verify_key,
)
from modelward.access.users import Role, User

__all__ = [
    "BYTES_DOMAIN",
    "DIGEST_DOMAIN",
    "PRIVATE_KEY_FILE",
    "PUBLIC_KEY_FILE",
    "Role",
    "SigningKey",
    "User",
    "VerifyKey",
    "load_or_create_key",
    "load_verify_key",
]
