"""A Workspace binds settings to their store and blob store; every core function takes one."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Connection

from modelward.access import (
    KeyStatus,
    RegisteredKey,
    SigningKey,
    Standing,
    VerifyKey,
    check_may_write,
    find_key,
    load_or_create_key,
    load_verify_key,
    standing,
    workspace_key,
)
from modelward.backends.blobs import BlobStore, open_backend
from modelward.backends.store import Store, open_store
from modelward.errors import IntegrityError, NotFound
from modelward.events import (
    KEY_REGISTERED,
    KEY_REVOKED,
    Anchor,
    ChainReport,
    Event,
    append_events,
    head_seq,
    list_events,
    lock_head,
    read_anchor,
    utc_now,
    verify_chain,
    write_anchor,
)
from modelward.settings import Settings, resolve, write_config

T = TypeVar("T")


class Workspace:
    """An open workspace. Use as a context manager, or call `close()`.

    Thread-safe for reads and writes: each `transaction()` takes its own connection.
    """

    def __init__(
        self, settings: Settings, store: Store, blobs: BlobStore, *, vouched: bool = False
    ) -> None:
        self.settings = settings
        self.store = store
        self.blobs = blobs
        # A server authenticated the actor by token and writes on their behalf: in team mode
        # its service key may then sign as them (a name given on a command line never may).
        self.vouched = vouched
        # What this process loaded and verified, kept for this open workspace: see
        # `while_unchanged`. One entry per key: a rebuilt entry replaces the old one.
        self.memo: dict[object, Any] = {}

    def while_unchanged(self, key: tuple[object, ...], build: Callable[[T | None], T]) -> T:
        """`build(previous)`, kept under `key` until anything is recorded in the workspace.
        Every change of what a reference names or how a model decides appends an event, so one
        read of the chain's head says whether what was built still holds; `previous` (what was
        built before, or None) lets `build` reuse what did not change, such as a loaded model."""
        with self.transaction() as conn:
            seq = head_seq(conn)
        kept = self.memo.get(key)
        if kept is not None and kept[0] == seq:
            found: T = kept[1]
            return found
        value = build(None if kept is None else kept[1])
        self.memo[key] = (seq, value)
        return value

    @property
    def actor(self) -> str:
        return self.settings.actor

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction of the metadata store: commits on success, rolls back on error."""
        with self.store.transaction() as conn:
            yield conn

    def record(
        self, conn: Connection, action: str, subject: str, payload: dict[str, Any] | None = None
    ) -> Event:
        """Append the event of a mutation, in the mutation's own transaction; the new chain
        head is signed with the workspace's key."""
        return self.record_all(conn, [(action, subject, payload or {})])[0]

    def record_all(
        self, conn: Connection, entries: Sequence[tuple[str, str, dict[str, Any]]]
    ) -> list[Event]:
        """`record` of several (action, subject, payload) in order, the head signed once.

        This home's key must be registered and active (outside team mode a new key registers
        itself, on the record); in team mode it must be the actor's own, and signs each event.
        `Forbidden` otherwise, and the transaction writes nothing."""
        if not entries:
            return []  # nothing to record: no lock, no standing, no signature
        signer = self.signing_key()
        head = lock_head(conn)  # first: the standing read next holds until the events land
        found = self._standing(conn, signer, head[0], entries)
        if found.registered_now:
            entries = [(KEY_REGISTERED, f"key/{signer.key_id}", _registered(found.key)), *entries]
        events = append_events(
            conn, actor=self.actor, entries=entries, signer=signer, sign_each=found.team, head=head
        )
        if not _changes_standing(entries):
            self.store.cache[(_STANDING, signer.key_id)] = (events[-1].seq, found.settled())
        return events

    def _standing(
        self,
        conn: Connection,
        signer: SigningKey,
        head_seq: int,
        entries: Sequence[tuple[str, str, dict[str, Any]]],
    ) -> Standing:
        """The key's standing, read under the head lock; reused from this process's last write
        when the chain has not moved since (every change of team mode or of a key's status is
        an event, so an unmoved head means an unchanged standing)."""
        kept = self.store.cache.get((_STANDING, signer.key_id))
        if kept is not None and kept[0] == head_seq and not _changes_standing(entries):
            check_may_write(kept[1], actor=self.actor, vouched=self.vouched)
            found: Standing = kept[1]
            return found
        return standing(conn, signer, actor=self.actor, vouched=self.vouched, at=utc_now())

    def signing_key(self) -> SigningKey:
        """This home's private key, created on first use; see `record_all` for when it may sign."""
        return workspace_key(self.settings.home)

    def trusted_key(self, key_id: str) -> VerifyKey:
        """The public key `key_id` names, once trusted: registered and not revoked (or this
        home's own key, which signed before registries existed). `IntegrityError` says why not."""
        with self.transaction() as conn:
            key = _Keys(conn, _verify_key(self.settings.home)).find(key_id)
            revoked = None if key is None else _why_revoked(conn, key_id)
        if key is None:
            raise IntegrityError(
                f"it is signed by key {key_id}, which is not registered in this workspace "
                "(see `modelward keys list`)"
            )
        if revoked is not None:
            raise IntegrityError(f"it is signed by a revoked key: {revoked}")
        return key.verify_key

    def read_events(
        self, *, subject: str | None = None, action: str | None = None, limit: int = 50
    ) -> list[Event]:
        """The newest `limit` events, newest first, optionally of one subject or action."""
        with self.transaction() as conn:
            return list_events(conn, subject=subject, action=action, limit=limit, newest_first=True)

    def verify_events(self) -> ChainReport:
        """Walk the whole chain and check its signed head and this machine's anchor; the
        report names the first broken link, if any. An intact chain moves the anchor up."""
        home = self.settings.home
        anchor = read_anchor(home)
        with self.transaction() as conn:
            report = verify_chain(conn, keys=_Keys(conn, _verify_key(home)), anchor=anchor)
        if report.ok and report.head_hash is not None:
            write_anchor(home, Anchor(report.checked, report.head_hash, utc_now()), anchor)
        return report

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


_STANDING = "standing"
# Events whose transaction changes team mode or a key's status before or after recording them.
_STANDING_ACTIONS = frozenset(
    {KEY_REGISTERED, KEY_REVOKED, "key.retired", "key.confirmed", "team.enabled", "team.disabled"}
)


def _changes_standing(entries: Sequence[tuple[str, str, dict[str, Any]]]) -> bool:
    return any(action in _STANDING_ACTIONS for action, _, _ in entries)


def _registered(key: RegisteredKey) -> dict[str, Any]:
    return {**key.registration(), "self_registered": True}


@dataclass(frozen=True)
class _OwnKey:
    """This home's own key when the registry lacks it: a chain or model signed before keys
    were registered. Trusted here only, for whatever it signed."""

    verify_key: VerifyKey

    @property
    def key_id(self) -> str:
        return self.verify_key.key_id

    @property
    def owner(self) -> str:
        return "this home"

    @property
    def kind(self) -> str:
        return "person"

    def may_act_as(self, actor: str) -> bool:
        return True

    def verify(self, data: bytes, signature_b64: str) -> None:
        self.verify_key.verify(data, signature_b64)


class _Keys:
    """The store's key registry as the event chain's `KeyLookup`, read once per key."""

    def __init__(self, conn: Connection, own: VerifyKey | None) -> None:
        self._conn = conn
        self._own = own
        self._found: dict[str, RegisteredKey | _OwnKey | None] = {}

    def find(self, key_id: str) -> RegisteredKey | _OwnKey | None:
        if key_id not in self._found:
            self._found[key_id] = self._read(key_id)
        return self._found[key_id]

    def revoked(self, key_id: str) -> str | None:
        return _why_revoked(self._conn, key_id)

    def _read(self, key_id: str) -> RegisteredKey | _OwnKey | None:
        key = find_key(self._conn, key_id)
        if key is not None:
            if key.verify_key.key_id != key_id:  # a row whose public key is another key's
                raise IntegrityError(
                    f"the key registry's row {key_id} holds the public key {key.verify_key.key_id}"
                    ": the registry was edited outside modelward"
                )
            return key
        if self._own is not None and self._own.key_id == key_id:
            return _OwnKey(self._own)
        return None


def _why_revoked(conn: Connection, key_id: str) -> str | None:
    """Why `key_id` is distrusted: the registry's word, or the chain's if the row was edited."""
    key = find_key(conn, key_id)
    if key is not None and key.status is KeyStatus.REVOKED:
        return key.why_not_active()
    on_chain = list_events(conn, subject=f"key/{key_id}", action=KEY_REVOKED, limit=1)
    if on_chain:
        event = on_chain[0]
        return f"key {key_id} was revoked at event {event.seq} by {event.actor} ({event.time})"
    return None


def _verify_key(home: Path) -> VerifyKey | None:
    try:
        return load_verify_key(home)
    except NotFound:
        return None  # no key yet: nothing was ever signed here


def open_workspace(**overrides: object | None) -> Workspace:
    """Open (creating on first use) the workspace that settings point at.

    Keyword arguments override settings: `home`, `store_url`, `blob_url`, `actor`, ...
    """
    settings = resolve(overrides)
    settings.home.mkdir(parents=True, exist_ok=True)
    settings.tmp_dir.mkdir(exist_ok=True)
    store = open_store(settings.store_url)
    blobs = BlobStore(open_backend(settings.blob_url, settings.storage_options()), settings.tmp_dir)
    return Workspace(settings, store, blobs)


def init_workspace(**overrides: object | None) -> Workspace:
    """Create the workspace, persist the chosen backends in its config, record the event."""
    ws = open_workspace(**overrides)
    chosen = {k: str(v) for k, v in overrides.items() if v is not None and k != "home"}
    if chosen:
        write_config(ws.settings, chosen)
    # The signing key for artifacts is made here, once, so its id is on the record.
    key = load_or_create_key(ws.settings.home)
    with ws.transaction() as conn:
        if not list_events(conn, action="workspace.initialized", limit=1):
            payload = {"settings": sorted(chosen), "signing_key": key.key_id}
            ws.record(conn, "workspace.initialized", "workspace", payload)
    return ws
