"""The metadata store contract, run against SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from sqlalchemy import text, update

from modelward.backends.store import Store, engine, open_store
from modelward.backends.store.migrate import HEAD, current_revision, head_revision
from modelward.backends.store.tables import chain_head, events
from modelward.errors import BackendError, InputError
from modelward.events import append_event, list_events, verify_chain
from modelward.events.log import append_events


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    opened = open_store(store_url)
    yield opened
    opened.close()


def _append(store: Store, n: int) -> None:
    for i in range(n):
        with store.transaction() as conn:
            append_event(conn, actor="ana", action="thing.made", subject=f"t/{i}", payload={"i": i})


def test_open_migrates_to_head_and_is_idempotent(store_url: str) -> None:
    for _ in range(2):
        store = open_store(store_url)
        with store.transaction() as conn:
            assert current_revision(conn) == head_revision()
        store.close()


def test_appended_events_chain_and_verify(store: Store) -> None:
    _append(store, 5)
    with store.transaction() as conn:
        found = list_events(conn)
        report = verify_chain(conn)
    assert [e.seq for e in found] == [1, 2, 3, 4, 5]
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(found))
    assert found[0].payload_data() == {"i": 0}
    assert report.ok
    assert report.checked == 5


def test_transaction_rolls_back_event_with_failed_mutation(store: Store) -> None:
    def failing_mutation() -> None:
        with store.transaction() as conn:
            append_event(conn, actor="ana", action="a", subject="s", payload={})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_mutation()
    with store.transaction() as conn:
        assert list_events(conn) == []
        assert verify_chain(conn).ok


@pytest.mark.parametrize(
    ("tamper", "broken", "reason"),
    [
        ("UPDATE events SET payload = '{\"i\":99}' WHERE seq = 3", 3, "edited"),
        ("UPDATE events SET actor = 'mallory' WHERE seq = 5", 5, "edited"),
        ("DELETE FROM events WHERE seq = 2", 2, "missing"),
        ("DELETE FROM events WHERE seq >= 4", 4, "deleted"),
    ],
)
def test_verify_finds_first_broken_link(
    store: Store, tamper: str, broken: int, reason: str
) -> None:
    _append(store, 5)
    with store.transaction() as conn:
        conn.exec_driver_sql(tamper)
    with store.transaction() as conn:
        report = verify_chain(conn)
    assert not report.ok
    assert report.broken_seq == broken
    assert reason in (report.reason or "")


def test_verify_finds_reordered_events(store: Store) -> None:
    _append(store, 4)
    with store.transaction() as conn:
        rows = {e.seq: e for e in list_events(conn)}
        # Swap the content of events 2 and 3, each keeping its own valid hash.
        for seq, other in ((2, 3), (3, 2)):
            source = rows[other]
            conn.execute(
                update(events)
                .where(events.c.seq == seq)
                .values(
                    subject=source.subject,
                    payload=source.payload,
                    prev_hash=source.prev_hash,
                    hash=source.hash,
                    time=source.time,
                )
            )
    with store.transaction() as conn:
        report = verify_chain(conn)
    assert not report.ok
    assert report.broken_seq == 2


def test_verify_finds_rewritten_tail(store: Store) -> None:
    _append(store, 3)
    with store.transaction() as conn:
        conn.execute(update(chain_head).values(hash="f" * 64))
    with store.transaction() as conn:
        report = verify_chain(conn)
    assert not report.ok
    assert "rewritten" in (report.reason or "")


def test_unknown_scheme_lists_known_ones() -> None:
    with pytest.raises(InputError, match="sqlite"):
        open_store("mongodb://localhost/x")


def test_unreachable_postgres_is_a_backend_error() -> None:
    with pytest.raises(BackendError, match="cannot open metadata store"):
        open_store("postgresql+psycopg://nobody@127.0.0.1:1/nothing?connect_timeout=2")


def test_head_constant_names_the_newest_migration() -> None:
    assert head_revision() == HEAD


def test_migrations_build_exactly_the_declared_tables(store: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from modelward.backends.store.tables import metadata

    with store.transaction() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_a_batch_of_events_chains_like_single_appends(store: Store) -> None:
    _append(store, 2)
    with store.transaction() as conn:
        batch = [("thing.made", f"t/{i}", {"i": i}) for i in (2, 3, 4)]
        appended = append_events(conn, actor="ana", entries=batch)
        assert append_events(conn, actor="ana", entries=[]) == []
    with store.transaction() as conn:
        found = list_events(conn)
        report = verify_chain(conn)
    assert [e.seq for e in appended] == [3, 4, 5]
    assert found[2:] == appended
    assert report.ok
    assert report.checked == 5


def test_a_pooled_postgresql_connection_that_died_is_replaced(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(pg_url)
    try:
        with store.transaction() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        killer = open_store(pg_url, migrate=False)
        with killer.transaction() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.close()
        monkeypatch.setattr(engine, "PING_AFTER_IDLE_SECONDS", 0.0)
        _append(store, 1)  # the pooled connection fails its ping; a new one does the work
        with store.transaction() as conn:
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid
            assert [e.seq for e in list_events(conn)] == [1]
    finally:
        store.close()
