"""Signing keys of a team: register a member's public key, rotate this home's, revoke one, and
switch team mode, in which every write is signed by its actor's own registered key.

Each change is an event on the chain, signed by the key of whoever made it: a rotation by the
old key (so only its holder can name its successor), a registration or revocation by an admin.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from modelward.access import (
    KeyKind,
    KeyStatus,
    RegisteredKey,
    SigningKey,
    VerifyKey,
    check_user_name,
    confirm_key,
    find_key,
    insert_key,
    install_key,
    list_keys,
    load_verify_key,
    set_status,
    set_team_mode,
    team_mode,
)
from modelward.errors import Conflict, InputError, NotFound
from modelward.events import KEY_REGISTERED, KEY_REVOKED, TEAM_OFF, TEAM_ON, utc_now
from modelward.permissions.service import refuse, require
from modelward.workspace import Workspace

KEY_RETIRED = "key.retired"
KEY_CONFIRMED = "key.confirmed"
MAX_PEM = 2_000


def all_keys(ws: Workspace, *, owner: str | None = None) -> list[RegisteredKey]:
    with ws.transaction() as conn:
        return list_keys(conn, owner=owner)


def home_key(ws: Workspace) -> tuple[VerifyKey, RegisteredKey | None]:
    """This home's public key (created on first use) and its registration, if any."""
    ws.signing_key()
    own = load_verify_key(ws.settings.home)
    with ws.transaction() as conn:
        return own, find_key(conn, own.key_id)


def add_key(ws: Workspace, owner: str, pem_text: str, *, service: bool = False) -> RegisteredKey:
    """Register another member's public key (admin only); refused if the key is known."""
    owner = check_user_name(owner)
    key = _parse_pem(pem_text)
    subject = f"key/{key.key_id}"
    require(ws, "key.add", subject)
    kind = KeyKind.SERVICE if service else KeyKind.PERSON
    with ws.transaction() as conn:
        known = find_key(conn, key.key_id)
    if known is not None:
        reason = f"{known.describe()} is registered already ({known.status.value})"
        refuse(ws, "key.add", subject, reason, Conflict)
    with ws.transaction() as conn:
        added = insert_key(
            conn, key, owner=owner, kind=kind, by=ws.actor, at=utc_now(), confirmed=True
        )
        if added is None:
            raise Conflict(f"key {key.key_id} was registered just now; see `modelward keys list`")
        ws.record(conn, KEY_REGISTERED, subject, added.registration())
    return added


def rotate_key(ws: Workspace) -> tuple[RegisteredKey, RegisteredKey]:
    """Give this home a new key: registered for the old key's owner on the old key's signature,
    the old key retired (what it signed stays valid). Returns (old, new)."""
    old_public, old = home_key(ws)
    if old is None or old.status is not KeyStatus.ACTIVE:
        why = "is not registered" if old is None else "is " + old.status.value
        raise Conflict(
            f"this home's key {old_public.key_id} {why}: only an active key can name its "
            "successor; ask an admin to register a new one with `modelward keys add`"
        )
    new = SigningKey.generate()
    now = utc_now()
    with ws.transaction() as conn:
        added = insert_key(
            conn,
            new.verify_key,
            owner=old.owner,
            kind=old.kind,
            by=ws.actor,
            at=now,
            confirmed=old.confirmed_by is not None,  # the successor is vouched for as it was
        )
        if added is None:  # a fresh key's id is 64 random bits: this is all but impossible
            raise Conflict(f"key {new.key_id} is registered already; run the rotation again")
        reason = f"rotated to {new.key_id}"
        ws.record_all(
            conn,
            [
                (KEY_REGISTERED, f"key/{new.key_id}", added.registration()),
                (KEY_RETIRED, f"key/{old.key_id}", {"key_id": old.key_id, "reason": reason}),
            ],
        )
        set_status(conn, old.key_id, KeyStatus.RETIRED, by=ws.actor, at=now, reason=reason)
        retired = _reread(conn, old.key_id)
    install_key(ws.settings.home, new)  # after the commit: the registry names it first
    return retired, added


def revoke_key(ws: Workspace, key_id: str, reason: str) -> RegisteredKey:
    """Distrust a key from now on (admin only): what it signed is refused from then on."""
    key_id = key_id.strip().lower()
    reason = _check_reason(reason)
    subject = f"key/{key_id}"
    require(ws, "key.revoke", subject)
    with ws.transaction() as conn:
        key = find_key(conn, key_id)
    if key is None:
        raise NotFound(f"key {key_id!r} is not registered; see `modelward keys list`")
    if key.status is KeyStatus.REVOKED:
        refuse(ws, "key.revoke", subject, f"{key.why_not_active()} already", Conflict)
    if key_id == ws.signing_key().key_id:
        refuse(
            ws,
            "key.revoke",
            subject,
            f"{key.describe()} is this home's own key: `modelward keys rotate` replaces it, "
            "or another admin revokes it from their home",
            Conflict,
        )
    with ws.transaction() as conn:
        payload = {"key_id": key_id, "owner": key.owner, "reason": reason}
        ws.record(conn, KEY_REVOKED, subject, payload)
        set_status(conn, key_id, KeyStatus.REVOKED, by=ws.actor, at=utc_now(), reason=reason)
        revoked = _reread(conn, key_id)
    return revoked


def vouch_for_key(ws: Workspace, key_id: str) -> RegisteredKey:
    """Vouch for a key its own home registered before team mode (admin only): from now on it
    may act as its owner in team mode. Revoke the ones you do not recognise instead."""
    key_id = key_id.strip().lower()
    subject = f"key/{key_id}"
    require(ws, "key.add", subject)
    with ws.transaction() as conn:
        key = find_key(conn, key_id)
    if key is None:
        raise NotFound(f"key {key_id!r} is not registered; see `modelward keys list`")
    if key.status is not KeyStatus.ACTIVE:
        refuse(ws, "key.add", subject, f"{key.why_not_active()}: it cannot be confirmed", Conflict)
    with ws.transaction() as conn:
        confirm_key(conn, key_id, by=ws.actor)
        payload = {"key_id": key_id, "owner": key.owner, "kind": key.kind.value}
        ws.record(conn, KEY_CONFIRMED, subject, payload)
        return _reread(conn, key_id)


def team_status(ws: Workspace) -> bool:
    with ws.transaction() as conn:
        return team_mode(conn)


def set_team(ws: Workspace, on: bool) -> bool:
    """Switch team mode (admin only). Turning it on needs the admin's own registered key: from
    then on every write is signed by its actor's key; returns whether anything changed."""
    action = TEAM_ON if on else TEAM_OFF
    require(ws, "team.set", "workspace")
    own, registered = home_key(ws)
    if on and (registered is None or registered.owner != ws.actor):
        whose = "is not registered" if registered is None else f"belongs to {registered.owner}"
        refuse(
            ws,
            "team.set",
            "workspace",
            f"this home's key {own.key_id} {whose}: in team mode {ws.actor} must act with a "
            "key of their own; register it first (`modelward keys add`)",
            Conflict,
        )
    if on:
        _refuse_unconfirmed(ws, own.key_id)
    with ws.transaction() as conn:
        if team_mode(conn) == on:
            return False
        now = utc_now()
        if on:  # set first, so that the enabling event is the first one signed as its actor's
            set_team_mode(conn, True, by=ws.actor, at=now)
            confirm_key(conn, own.key_id, by=ws.actor)  # the admin vouches for their own key
            ws.record(conn, action, "workspace", {"key_id": own.key_id})
        else:  # record first: the disabling event is the last one signed
            ws.record(conn, action, "workspace", {"key_id": own.key_id})
            set_team_mode(conn, False, by=ws.actor, at=now)
    return True


def _refuse_unconfirmed(ws: Workspace, own: str) -> None:
    """Before team mode, names were claims: every key a home registered for itself under a
    name must be vouched for (or revoked) by an admin first, or its claim would become true."""
    with ws.transaction() as conn:
        keys = list_keys(conn)
    doubtful = [
        k
        for k in keys
        if k.status is KeyStatus.ACTIVE and k.confirmed_by is None and k.key_id != own
    ]
    if doubtful:
        listed = ", ".join(f"{k.key_id} (claims {k.owner}, {k.kind.value})" for k in doubtful)
        refuse(
            ws,
            "team.set",
            "workspace",
            f"keys registered by their own homes, under names nobody checked: {listed}; "
            "confirm the ones you recognise (`modelward keys confirm KEY`) and revoke the rest "
            "(`modelward keys revoke KEY --reason …`), then turn team mode on",
            Conflict,
        )


def read_pem(path: Path) -> str:
    """A public key file's text, refused with the fix when it is missing or not a key."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError.field("public key file", str(path), "a readable PEM file") from exc
    return text


def _parse_pem(text: str) -> VerifyKey:
    if len(text) > MAX_PEM or "PRIVATE KEY" in text:
        raise InputError.field(
            "public key",
            "a private key" if "PRIVATE KEY" in text else f"{len(text)} characters",
            "the public half only: the output of `modelward keys show --public`",
        )
    return VerifyKey.from_pem(text)


def _check_reason(reason: str) -> str:
    if not isinstance(reason, str) or not 3 <= len(reason.strip()) <= 500:
        raise InputError.field("--reason", reason, "why the key is distrusted, 3 to 500 characters")
    return reason.strip()


def _reread(conn: Connection, key_id: str) -> RegisteredKey:
    """A key read back in the transaction that just changed it."""
    key = find_key(conn, key_id)
    if key is None:
        raise NotFound(f"key {key_id} vanished while it was being changed; run the command again")
    return key
