"""The workspace signing key: signatures, domain separation, persistence and its files."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import modelward.access as access
from modelward.access import (
    DIGEST_DOMAIN,
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    SigningKey,
    VerifyKey,
    load_or_create_key,
    load_verify_key,
)
from modelward.access.keys import KEYS_DIR, _create_once
from modelward.errors import InputError, IntegrityError, NotFound

DIGEST = hashlib.sha256(b"model bytes").hexdigest()
posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def test_sign_and_verify_round_trip() -> None:
    key = SigningKey.generate()
    key.verify_key.verify(b"head:abc", key.sign(b"head:abc"))
    key.verify_key.verify_digest(DIGEST, key.sign_digest(DIGEST))
    # An uppercase digest names the same bytes, so it is the same signed message.
    key.verify_key.verify_digest(DIGEST.upper(), key.sign_digest(DIGEST))


def test_tampered_data_is_refused() -> None:
    key = SigningKey.generate()
    with pytest.raises(IntegrityError, match="signature does not match: the artifact"):
        key.verify_key.verify(b"head:abd", key.sign(b"head:abc"))
    other = hashlib.sha256(b"other model").hexdigest()
    with pytest.raises(IntegrityError, match="signature does not match"):
        key.verify_key.verify_digest(other, key.sign_digest(DIGEST))


def test_tampered_signature_is_refused() -> None:
    key = SigningKey.generate()
    raw = bytearray(base64.b64decode(key.sign(b"data")))
    raw[10] ^= 0x01
    with pytest.raises(IntegrityError, match="signature does not match"):
        key.verify_key.verify(b"data", base64.b64encode(bytes(raw)).decode())


@pytest.mark.parametrize(
    ("signature", "why"),
    [("not base64!!", "not base64"), (base64.b64encode(b"short").decode(), "has 5 bytes")],
)
def test_malformed_signature_is_refused(signature: str, why: str) -> None:
    key = SigningKey.generate()
    with pytest.raises(IntegrityError, match=f"signature does not match.*{why}"):
        key.verify_key.verify(b"data", signature)


def test_signature_from_another_key_is_refused() -> None:
    signed = SigningKey.generate().sign_digest(DIGEST)
    with pytest.raises(IntegrityError, match="signature does not match"):
        SigningKey.generate().verify_key.verify_digest(DIGEST, signed)


def test_bytes_signature_never_verifies_as_a_digest_signature() -> None:
    key = SigningKey.generate()
    # Even the exact bytes of the digest message, signed through `sign`, must not pass.
    forged = key.sign(DIGEST_DOMAIN + DIGEST.encode())
    with pytest.raises(IntegrityError, match="signature does not match"):
        key.verify_key.verify_digest(DIGEST, forged)
    with pytest.raises(IntegrityError, match="signature does not match"):
        key.verify_key.verify(DIGEST_DOMAIN + DIGEST.encode(), key.sign_digest(DIGEST))


def test_malformed_digest_is_an_input_error() -> None:
    with pytest.raises(InputError, match="sha256: got 'abc'; expected 64 hex characters"):
        SigningKey.generate().sign_digest("abc")


def test_key_id_and_pem_round_trip() -> None:
    key = SigningKey.generate()
    loaded = VerifyKey.from_pem(key.public_pem())
    assert loaded.key_id == key.key_id
    assert len(key.key_id) == 16
    int(key.key_id, 16)
    loaded.verify(b"x", key.sign(b"x"))
    assert key.key_id in repr(key)
    assert "PRIVATE" not in repr(key)


def test_from_pem_refuses_garbage() -> None:
    with pytest.raises(InputError, match="public key: got 'hello'; expected an Ed25519 PEM key"):
        VerifyKey.from_pem("hello")


def test_key_persists_across_loads(tmp_path: Path) -> None:
    first = load_or_create_key(tmp_path)
    second = load_or_create_key(tmp_path)
    assert first.key_id == second.key_id
    assert load_verify_key(tmp_path).key_id == first.key_id
    load_verify_key(tmp_path).verify_digest(DIGEST, second.sign_digest(DIGEST))
    folder = tmp_path / KEYS_DIR
    assert sorted(p.name for p in folder.iterdir()) == [PRIVATE_KEY_FILE, PUBLIC_KEY_FILE]
    assert "PRIVATE KEY" in (folder / PRIVATE_KEY_FILE).read_text()
    assert (folder / PUBLIC_KEY_FILE).read_text() == first.public_pem()


@posix_only
def test_private_key_file_is_owner_only(tmp_path: Path) -> None:
    load_or_create_key(tmp_path)
    assert (tmp_path / KEYS_DIR / PRIVATE_KEY_FILE).stat().st_mode & 0o777 == 0o600


def test_losing_the_creation_race_keeps_the_winners_key(tmp_path: Path) -> None:
    winner = load_or_create_key(tmp_path)
    _create_once(tmp_path / KEYS_DIR / PRIVATE_KEY_FILE)
    assert load_or_create_key(tmp_path).key_id == winner.key_id
    assert sorted(p.name for p in (tmp_path / KEYS_DIR).iterdir()) == [
        PRIVATE_KEY_FILE,
        PUBLIC_KEY_FILE,
    ]


CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from modelward.access import load_or_create_key
    go = Path(sys.argv[2])
    while not go.exists():
        time.sleep(0.001)
    print(load_or_create_key(Path(sys.argv[1])).key_id)
    """
)


def test_concurrent_first_use_yields_one_key(tmp_path: Path) -> None:
    home, go = tmp_path / "ws", tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(home), str(go)], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    time.sleep(0.5)  # let every child import and reach the barrier, so they start together
    go.touch()
    outputs = [p.communicate(timeout=120)[0].strip() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4
    assert len(set(outputs)) == 1
    assert outputs[0] == load_or_create_key(home).key_id
    assert not [p for p in (home / KEYS_DIR).iterdir() if p.name.endswith(".tmp")]


def test_corrupted_private_key_is_an_integrity_error(tmp_path: Path) -> None:
    load_or_create_key(tmp_path)
    path = tmp_path / KEYS_DIR / PRIVATE_KEY_FILE
    path.write_text("-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n")
    with pytest.raises(IntegrityError, match=f"{PRIVATE_KEY_FILE}: not a readable.*backup"):
        load_or_create_key(tmp_path)


def test_corrupted_public_key_is_an_integrity_error(tmp_path: Path) -> None:
    load_or_create_key(tmp_path)
    (tmp_path / KEYS_DIR / PUBLIC_KEY_FILE).write_text("garbage")
    with pytest.raises(IntegrityError, match=f"{PUBLIC_KEY_FILE}: not a valid.*delete it"):
        load_verify_key(tmp_path)
    with pytest.raises(IntegrityError, match=f"{PUBLIC_KEY_FILE}: does not match"):
        load_or_create_key(tmp_path)


def test_public_key_is_rederived_when_deleted(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path)
    (tmp_path / KEYS_DIR / PUBLIC_KEY_FILE).unlink()
    assert load_verify_key(tmp_path).key_id == key.key_id
    assert load_or_create_key(tmp_path).key_id == key.key_id
    assert (tmp_path / KEYS_DIR / PUBLIC_KEY_FILE).read_text() == key.public_pem()


@posix_only
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_private_key_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    load_or_create_key(tmp_path)
    path = tmp_path / KEYS_DIR / PRIVATE_KEY_FILE
    path.chmod(mode)
    with pytest.raises(InputError, match=f"{PRIVATE_KEY_FILE}: .*chmod 600"):
        load_or_create_key(tmp_path)


def test_verify_key_of_an_empty_workspace_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="no signing key yet"):
        load_verify_key(tmp_path)
    assert not (tmp_path / KEYS_DIR).exists()


def test_all_is_complete() -> None:
    modules = {"keys", "keyring", "users", "tokens"}
    public = {n for n in dir(access) if not n.startswith("_") and n not in modules}
    assert public == set(access.__all__)
