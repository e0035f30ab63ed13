"""Open a metadata store by URL, migrate it, and hand out transactions.

SQLite runs in WAL mode with foreign keys on and a busy timeout, and every transaction starts
with `BEGIN IMMEDIATE`: writers queue for the lock instead of failing half-way with
"database is locked", which is what lets many processes share one workspace file.

A PostgreSQL connection idle in the pool for more than `PING_AFTER_IDLE_SECONDS` is checked
with a round trip before use (a restarted server or a dropped link gives a new connection);
one just used is not, so a loop of small transactions pays no ping each.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    DisconnectionError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from modelward.backends.store.migrate import upgrade
from modelward.errors import BackendError, InputError

KNOWN_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")
SQLITE_BUSY_MS = 60_000
PING_AFTER_IDLE_SECONDS = 1.0


class Store:
    """A migrated metadata database.

    Thread-safe: each `transaction()` checks a connection out of the engine's pool. A
    transaction commits when its block ends and rolls back on any exception.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Set by close(): background writers (a run's heartbeat) stop instead of opening a
        # connection that nothing would close.
        self.closed = False
        # Rows that every write consults and that rarely change (a signing key's standing),
        # kept while the event chain has not moved; see `Workspace.record_all`.
        self.cache: dict[object, Any] = {}

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as conn:
                yield conn
        except OperationalError as exc:
            raise BackendError(f"metadata store failed: {_one_line(exc)}") from exc

    def close(self) -> None:
        self.closed = True
        self.engine.dispose()


def open_store(url: str, *, migrate: bool = True) -> Store:
    """Open the store at `url`; known schemes: sqlite, postgresql (psycopg 3)."""
    engine = _create_engine(url)
    store = Store(engine)
    if migrate:
        try:
            with engine.begin() as conn:
                if store.dialect == "postgresql":
                    # Two processes opening a fresh database must not both create tables.
                    conn.execute(text("SELECT pg_advisory_xact_lock(7226871)"))
                upgrade(conn)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise BackendError(
                f"cannot open metadata store {_safe(url)}: {_one_line(exc)}"
            ) from exc
    return store


def _create_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError.field("store_url", url, "a URL such as sqlite:///PATH") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return _sqlite_engine(url)
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        try:
            return _ping_when_idle(create_engine(parsed))
        except NoSuchModuleError as exc:
            raise InputError(
                "store_url: PostgreSQL needs the driver; install modelward[postgres]"
            ) from exc
    raise InputError.field(
        "store_url", _safe(url), f"a URL with scheme {' | '.join(KNOWN_SCHEMES)}"
    )


def _ping_when_idle(engine: Engine) -> Engine:
    """`pool_pre_ping`, for connections idle more than `PING_AFTER_IDLE_SECONDS` only."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since <= PING_AFTER_IDLE_SECONDS:
            return  # new, or just used
        try:
            engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            # the pool drops this connection and checks out a fresh one
            raise DisconnectionError(f"a pooled connection failed its ping: {exc}") from exc

    return engine


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _safe(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _one_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text_[0] if text_ else type(exc).__name__
