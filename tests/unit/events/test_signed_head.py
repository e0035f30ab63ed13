"""Someone who can write the store, but not the workspace's key or folder, rewrites history:
an approval rewritten to mallory with every later hash recomputed, the tail cut and the head
moved back, events deleted and renumbered. `audit verify` catches each one."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from modelward.events.chain import GENESIS, event_hash
from modelward.workspace import Workspace, open_workspace


def history(home: Path, n: int = 6) -> None:
    with open_workspace(home=home, actor="risk-office") as ws:
        for i in range(n):
            with ws.transaction() as conn:
                ws.record(conn, "model.approved", f"model/churn/v{i}", {"comment": "ok"})
        assert ws.verify_events().ok  # this machine's anchor: event n


def rehash(db: sqlite3.Connection, *, renumber: bool = False) -> None:
    """Recompute every hash (and, with `renumber`, every seq) and move the head along."""
    rows = db.execute(
        "SELECT seq, time, actor, action, subject, payload FROM events ORDER BY seq"
    ).fetchall()
    prev = GENESIS
    for position, (seq, time, actor, action, subject, payload) in enumerate(rows, start=1):
        new_seq = position if renumber else seq
        digest = event_hash(
            seq=new_seq,
            time=time,
            actor=actor,
            action=action,
            subject=subject,
            payload=payload,
            prev_hash=prev,
        )
        db.execute(
            "UPDATE events SET seq = ?, prev_hash = ?, hash = ? WHERE seq = ?",
            (new_seq, prev, digest, seq),
        )
        prev = digest
    last = rows[-1][0] if not renumber else len(rows)
    db.execute("UPDATE chain_head SET seq = ?, hash = ?", (last, prev))


def verified(home: Path) -> tuple[bool, str | None]:
    with open_workspace(home=home) as ws:
        report = ws.verify_events()
    return report.ok, report.reason


def test_an_intact_chain_verifies_and_its_head_is_signed(tmp_path: Path) -> None:
    history(tmp_path)
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        signature, key_id = db.execute("SELECT signature, key_id FROM chain_head").fetchone()
    assert signature
    with open_workspace(home=tmp_path) as ws:
        assert key_id == _key_id(ws)
    assert verified(tmp_path) == (True, None)


def _key_id(ws: Workspace) -> str:
    from modelward.access import load_verify_key

    return load_verify_key(ws.settings.home).key_id


def test_a_rewritten_and_rehashed_approval_is_caught(tmp_path: Path) -> None:
    history(tmp_path)
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 3")
        rehash(db)
    ok, reason = verified(tmp_path)
    assert not ok
    assert reason is not None
    assert "signature does not match" in reason


def test_a_cut_tail_with_the_head_moved_back_is_caught(tmp_path: Path) -> None:
    history(tmp_path)
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        # the attacker kept the head row (signature included) as it was after event 4
        old = db.execute("SELECT hash FROM events WHERE seq = 4").fetchone()[0]
        db.execute("DELETE FROM events WHERE seq > 4")
        db.execute("UPDATE chain_head SET seq = 4, hash = ?", (old,))
    ok, reason = verified(tmp_path)
    assert not ok
    assert reason is not None
    assert "signature does not match" in reason or "events 5 to 6 were deleted" in reason


def test_an_old_signed_head_replayed_after_a_cut_is_caught_by_the_anchor(tmp_path: Path) -> None:
    history(tmp_path, 4)
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        replay = db.execute("SELECT seq, hash, signature, key_id FROM chain_head").fetchone()
    cut = replay[0]  # the 4 events, after the key's own registration
    history(tmp_path, 2)  # two more, verified here: the anchor moves to the newer one
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        db.execute("DELETE FROM events WHERE seq > ?", (cut,))
        db.execute("UPDATE chain_head SET seq = ?, hash = ?, signature = ?, key_id = ?", replay)
    ok, reason = verified(tmp_path)
    assert not ok
    assert reason is not None
    expected = f"events {cut + 1} to {cut + 2} were deleted: this machine verified the chain"
    assert f"{expected} up to event {cut + 2}" in reason


def test_deleted_and_renumbered_events_are_caught(tmp_path: Path) -> None:
    history(tmp_path)
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        db.execute("DELETE FROM events WHERE seq = 2")
        rehash(db, renumber=True)
    ok, reason = verified(tmp_path)
    assert not ok
    assert reason is not None


def test_a_stripped_signature_is_caught_once_verified_here(tmp_path: Path) -> None:
    history(tmp_path)
    with sqlite3.connect(tmp_path / "modelward.db") as db:
        db.execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
        rehash(db)
        db.execute("UPDATE chain_head SET signature = NULL, key_id = NULL")
    ok, reason = verified(tmp_path)
    assert not ok
    assert reason is not None
    assert "the chain head is not signed" in reason


def test_recording_nothing_writes_nothing(tmp_path: Path) -> None:
    """A run's background flush with no new events records nothing, and fails nothing."""
    history(tmp_path, 1)
    with open_workspace(home=tmp_path, actor="risk-office") as ws:
        before = ws.read_events(limit=1)[0].seq
        with ws.transaction() as conn:
            assert ws.record_all(conn, []) == []
        assert ws.read_events(limit=1)[0].seq == before
