"""The workspace's Ed25519 signing key: sign artifacts and the event-chain head, offline.

Every signature covers a domain-tagged message, never the caller's bytes alone: raw bytes are
signed as ``BYTES_DOMAIN + data`` and a file digest as ``DIGEST_DOMAIN + sha256_hex``. The two
tags differ and neither is a prefix of the other, so a signature obtained over some bytes can
never be replayed as a signature over an artifact's digest, and the reverse.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from modelward.errors import InputError, IntegrityError, NotFound

BYTES_DOMAIN = b"modelward-v1:bytes:"
DIGEST_DOMAIN = b"modelward-v1:sha256:"
KEYS_DIR = "keys"
PRIVATE_KEY_FILE = "workspace_ed25519.pem"
PUBLIC_KEY_FILE = "workspace_ed25519.pub.pem"
MISMATCH = "signature does not match: the artifact or its signature was changed"

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_log = logging.getLogger(__name__)
_SIGNATURE_BYTES = 64
# Key files must stay private to their owner; POSIX only, Windows has no such mode bits.
_CHECK_MODE = os.name == "posix"


@dataclass(frozen=True, eq=False)
class VerifyKey:
    """An Ed25519 public key. Immutable and thread-safe; `verify*` raise `IntegrityError`."""

    public_key: Ed25519PublicKey = field(repr=False)

    @classmethod
    def from_pem(cls, text: str) -> VerifyKey:
        """Parse a PEM public key; `InputError` when it is not an Ed25519 public key."""
        try:
            key = serialization.load_pem_public_key(text.encode("utf-8"))
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise InputError.field("public key", _first_line(text), "an Ed25519 PEM key") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InputError.field("public key", type(key).__name__, "an Ed25519 PEM key")
        return cls(key)

    @property
    def key_id(self) -> str:
        """First 16 hex characters of sha256 over the raw public key: short, stable, printable."""
        raw = self.public_key.public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return hashlib.sha256(raw).hexdigest()[:16]

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def verify(self, data: bytes, signature_b64: str) -> None:
        """Check a `SigningKey.sign` signature over `data`."""
        self._verify(BYTES_DOMAIN + data, signature_b64)

    def verify_digest(self, sha256_hex: str, signature_b64: str) -> None:
        """Check a `SigningKey.sign_digest` signature over a sha256 hex digest."""
        self._verify(_digest_message(sha256_hex), signature_b64)

    def _verify(self, message: bytes, signature_b64: str) -> None:
        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError, TypeError) as exc:
            raise IntegrityError(f"{MISMATCH} (the signature is not base64)") from exc
        if len(signature) != _SIGNATURE_BYTES:
            raise IntegrityError(f"{MISMATCH} (the signature has {len(signature)} bytes, not 64)")
        try:
            self.public_key.verify(signature, message)
        except InvalidSignature as exc:
            raise IntegrityError(f"{MISMATCH} (key {self.key_id})") from exc

    def __repr__(self) -> str:
        return f"VerifyKey(key_id={self.key_id!r})"


@dataclass(frozen=True, eq=False)
class SigningKey:
    """An Ed25519 private key. Immutable and thread-safe; its repr never shows the secret."""

    private_key: Ed25519PrivateKey = field(repr=False)

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(Ed25519PrivateKey.generate())

    @property
    def verify_key(self) -> VerifyKey:
        return VerifyKey(self.private_key.public_key())

    @property
    def key_id(self) -> str:
        return self.verify_key.key_id

    def public_pem(self) -> str:
        return self.verify_key.public_pem()

    def sign(self, data: bytes) -> str:
        """Base64 signature over `BYTES_DOMAIN + data`."""
        return _b64(self.private_key.sign(BYTES_DOMAIN + data))

    def sign_digest(self, sha256_hex: str) -> str:
        """Base64 signature over `DIGEST_DOMAIN + sha256_hex` (e.g. an artifact's file digest)."""
        return _b64(self.private_key.sign(_digest_message(sha256_hex)))

    def __repr__(self) -> str:
        return f"SigningKey(key_id={self.key_id!r})"


def load_or_create_key(home: Path) -> SigningKey:
    """The workspace's signing key, created on first use under `home/keys/`.

    Safe when several processes call it at once on a fresh workspace: each writes a candidate to
    a private temp file and hard-links it into place, which fails if the name exists, so exactly
    one candidate wins and every process then reads that same file.
    Raises `IntegrityError` for an unreadable key file and `InputError` for a group- or
    world-accessible one.
    """
    folder = Path(home) / KEYS_DIR
    private_path = folder / PRIVATE_KEY_FILE
    if not private_path.exists():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_once(private_path)
    key = _read_private(private_path)
    _ensure_public(folder / PUBLIC_KEY_FILE, key)
    return key


def workspace_key(home: Path) -> SigningKey:
    """`load_or_create_key`, read once per process and key file (the event log signs its head
    on every append)."""
    path = Path(home) / KEYS_DIR / PRIVATE_KEY_FILE
    try:
        found = path.stat()
    except FileNotFoundError:
        return _cached_key(str(Path(home).resolve()), (0, 0, 0))
    # the file itself (device, inode) and its version name the key, whatever the path's spelling
    return _cached_key(str(home), (found.st_dev, found.st_ino, found.st_mtime_ns))


@functools.lru_cache(maxsize=16)
def _cached_key(home: str, stamp: tuple[int, int, int]) -> SigningKey:
    return load_or_create_key(Path(home))


def install_key(home: Path, key: SigningKey) -> None:
    """Make `key` this home's signing key, replacing the one there (rotation: the registry
    keeps the old public half, so what it signed stays verifiable)."""
    folder = Path(home) / KEYS_DIR
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = _write_temp(folder / PRIVATE_KEY_FILE, _private_pem(key), mode=0o600)
    try:
        os.replace(tmp, folder / PRIVATE_KEY_FILE)
    finally:
        tmp.unlink(missing_ok=True)
    (folder / PUBLIC_KEY_FILE).unlink(missing_ok=True)
    _ensure_public(folder / PUBLIC_KEY_FILE, key)
    _sync_dir(folder)


def load_verify_key(home: Path) -> VerifyKey:
    """The workspace's public key; never creates one (`NotFound` when the workspace has none)."""
    folder = Path(home) / KEYS_DIR
    public_path = folder / PUBLIC_KEY_FILE
    if public_path.exists():
        try:
            return VerifyKey.from_pem(public_path.read_text(encoding="utf-8"))
        except (InputError, UnicodeDecodeError) as exc:
            raise IntegrityError(
                f"{public_path}: not a valid Ed25519 public key; delete it and it is re-derived "
                "from the private key on next use"
            ) from exc
    private_path = folder / PRIVATE_KEY_FILE
    if private_path.exists():
        return _read_private(private_path).verify_key
    raise NotFound(f"{folder}: the workspace has no signing key yet; sign something to create one")


def _create_once(path: Path) -> None:
    """Publish a fresh key at `path` unless another process already did; never overwrites."""
    key = SigningKey.generate()
    tmp = _write_temp(path, _private_pem(key), mode=0o600)
    try:
        # link() refuses an existing name, so the loser of a race keeps the winner's key
        # instead of replacing it; the file appears complete because its bytes were synced first.
        os.link(tmp, path)
    except FileExistsError:
        return
    finally:
        tmp.unlink(missing_ok=True)
    _sync_dir(path.parent)
    _log.warning(
        "modelward: created signing key %s for this home at %s; it signs what you record and "
        "never leaves this machine (see `modelward keys show`)",
        key.key_id,
        path,
    )


def _private_pem(key: SigningKey) -> bytes:
    # Unencrypted PKCS8: the default is an offline laptop where nobody is there to type a
    # passphrase; the 0600 mode guards it. A `MODELWARD_KEY_PASSPHRASE` setting can come later.
    return key.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _read_private(path: Path) -> SigningKey:
    _check_private_mode(path)
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise IntegrityError(_corrupt(path, type(exc).__name__)) from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError(_corrupt(path, f"a {type(key).__name__}, not an Ed25519 key"))
    return SigningKey(key)


def _ensure_public(path: Path, key: SigningKey) -> None:
    """Write the public half once; refuse one that belongs to another key."""
    expected = key.public_pem()
    if path.exists():
        found = path.read_text(encoding="utf-8", errors="replace")
        if found != expected:
            raise IntegrityError(
                f"{path}: does not match the workspace's private key {key.key_id}; delete it and "
                "it is re-derived from the private key on next use"
            )
        return
    # Every writer derives identical bytes from the one private key, so replace() is harmless.
    tmp = _write_temp(path, expected.encode("ascii"), mode=0o644)
    try:
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _write_temp(path: Path, data: bytes, *, mode: int) -> Path:
    """A synced temp file beside `path` (same filesystem, so link and rename are atomic)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _sync_dir(folder: Path) -> None:
    # Persist the new directory entry too, so a crash cannot lose a key already used to sign.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _check_private_mode(path: Path) -> None:
    if not _CHECK_MODE:
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise InputError(
            f"{path}: the private key is readable by others (mode {mode:o}); run `chmod 600 {path}`"
        )


def _digest_message(sha256_hex: str) -> bytes:
    if not isinstance(sha256_hex, str) or not _SHA256_HEX.fullmatch(sha256_hex.lower()):
        raise InputError.field("sha256", sha256_hex, "64 hex characters")
    return DIGEST_DOMAIN + sha256_hex.lower().encode("ascii")


def _corrupt(path: Path, detail: str) -> str:
    return (
        f"{path}: not a readable Ed25519 private key ({detail}); restore it from a backup, or "
        "move it aside to create a new key (signatures made with the old key will then fail)"
    )


def _b64(signature: bytes) -> str:
    return base64.b64encode(signature).decode("ascii")


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "(empty)"
