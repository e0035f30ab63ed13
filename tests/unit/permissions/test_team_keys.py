"""Two people, two homes, one store: each signs with a key of their own, registered in the
store, and any member verifies what any other signed. In team mode a name is not an identity:
every write is signed by its actor's own key, and `audit verify` proves who did what."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

import modelward
from modelward.access.keyring import KeyStatus
from modelward.access.users import Role
from modelward.errors import Conflict, Forbidden, InputError, Tampered
from modelward.events.chain import event_hash
from modelward.permissions import (
    add_key,
    add_user,
    home_key,
    revoke_key,
    rotate_key,
    set_team,
)
from modelward.registry import get_model, load_bundle
from modelward.review.card import gather
from modelward.workspace import Workspace
from tests.unit.registry.conftest import FILES, _projects, registrar


@pytest.fixture
def store(tmp_path: Path, store_url: str) -> str:
    return store_url


def member(tmp_path: Path, store: str, name: str) -> modelward.Workspace:
    return modelward.open(
        home=tmp_path / name,
        store_url=store,
        blob_url=f"file://{tmp_path / 'blobs'}",
        actor=name,
    )


def public_pem(ws: modelward.Workspace) -> str:
    own, _ = home_key(ws)
    return own.public_pem()


def signature_of(ws: modelward.Workspace, ref: str) -> str:
    """The model card's signature line."""
    return gather(ws, get_model(ws, ref)).signature


def test_each_member_verifies_every_other_members_models(tmp_path: Path, store: str) -> None:
    with member(tmp_path, store, "ana") as ana:
        _projects(ana)
        by_ana = registrar(ana)()
    with member(tmp_path, store, "ben") as ben:
        assert load_bundle(ben, get_model(ben, by_ana.ref)).files == FILES
        by_ben = registrar(ben)()  # ben's own key, registered on his first change
        assert by_ben.key_id != by_ana.key_id
        assert signature_of(ben, by_ana.ref) == "valid"
    with member(tmp_path, store, "ana") as ana:
        assert load_bundle(ana, get_model(ana, by_ben.ref)).files == FILES
        assert signature_of(ana, by_ben.ref) == "valid"
        assert ana.verify_events().ok
        registered = [e for e in ana.read_events(action="key.registered")]
    assert sorted(e.actor for e in registered) == ["ana", "ben"]


def test_a_revoked_key_is_refused_naming_its_owner(tmp_path: Path, store: str) -> None:
    with member(tmp_path, store, "ana") as ana:
        _projects(ana)
        add_user(ana, "ana", Role.ADMIN)
        add_user(ana, "ben", Role.SCIENTIST)
    with member(tmp_path, store, "ben") as ben:
        ben_key = public_pem(ben)
    with member(tmp_path, store, "ana") as ana:
        add_key(ana, "ben", ben_key)
    with member(tmp_path, store, "ben") as ben:
        by_ben = registrar(ben)()
    with member(tmp_path, store, "ana") as ana:
        revoked = revoke_key(ana, by_ben.key_id, "laptop stolen")
        assert revoked.status is KeyStatus.REVOKED
        with pytest.raises(Tampered, match=rf"key {by_ben.key_id} of ben was revoked .*stolen"):
            load_bundle(ana, by_ben)
        assert "NOT VALID" in signature_of(ana, by_ben.ref)
        assert ana.verify_events().ok  # what ben signed before the revocation stays on record
    with member(tmp_path, store, "ben") as ben:
        ben.store.cache.clear()
        with pytest.raises(Forbidden, match=r"was revoked .* signs nothing more"):
            registrar(ben)()


def test_team_mode_binds_every_write_to_its_actors_own_key(tmp_path: Path, store: str) -> None:
    with member(tmp_path, store, "ana") as ana:
        add_user(ana, "ana", Role.ADMIN)
        add_user(ana, "ben", Role.APPROVER)
        assert set_team(ana, True)
    # ben on ana's laptop is not ben, and nothing is written for the attempt
    with modelward.open(home=tmp_path / "ana", store_url=store, actor="ben") as impostor:
        before = impostor.read_events(limit=1)[0].seq
        with pytest.raises(Forbidden, match="of ana may act only as ana, not as ben"):
            add_user(impostor, "eve", Role.VIEWER)
        assert impostor.read_events(limit=1)[0].seq == before
    # ben's own home is not registered yet: refused with the fix
    with member(tmp_path, store, "ben") as ben:
        fix = r"not registered .* `modelward keys add ben FILE`"
        with pytest.raises(Forbidden, match=fix), ben.transaction() as conn:
            ben.record(conn, "note.added", "workspace", {})
        ben_key = public_pem(ben)
    with member(tmp_path, store, "ana") as ana:
        add_key(ana, "ben", ben_key)
    with member(tmp_path, store, "ben") as ben:
        with ben.transaction() as conn:
            ben.record(conn, "note.added", "workspace", {"by": "ben himself"})
        report = ben.verify_events()
    assert report.ok, report.reason
    with member(tmp_path, store, "ana") as ana:
        signed = [
            e for e in ana.read_events(limit=3) if e.action in ("note.added", "key.registered")
        ]
    assert all(e.signature for e in signed)


def test_audit_verify_catches_an_event_rewritten_to_another_actor(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    with member(tmp_path, store, "ana") as ana:
        add_user(ana, "ana", Role.ADMIN)
        add_user(ana, "risk", Role.APPROVER)
        set_team(ana, True)
        with ana.transaction() as conn:
            ana.record(conn, "model.approved", "model/churn/v1", {"comment": "ok"})
        seq = ana.read_events(limit=1)[0].seq
    with sqlite3.connect(tmp_path / "store.db") as db:  # someone with the store's password
        row = db.execute(
            "SELECT seq, time, action, subject, payload, prev_hash FROM events WHERE seq = ?",
            (seq,),
        ).fetchone()
        forged = event_hash(
            seq=row[0], time=row[1], actor="risk", action=row[2], subject=row[3],
            payload=row[4], prev_hash=row[5],
        )  # fmt: skip
        db.execute("UPDATE events SET actor = 'risk', hash = ? WHERE seq = ?", (forged, seq))
        db.execute("UPDATE chain_head SET hash = ?", (forged,))
    with member(tmp_path, store, "ana") as ana:
        report = ana.verify_events()
    assert not report.ok
    assert report.reason is not None
    assert f"event {seq} (model.approved by risk)" in report.reason


def test_rotation_keeps_old_signatures_valid_and_the_old_key_retired(
    tmp_path: Path, store: str
) -> None:
    with member(tmp_path, store, "ana") as ana:
        _projects(ana)
        before = registrar(ana)()
        old, new = rotate_key(ana)
        assert (old.key_id, old.status, new.owner) == (before.key_id, KeyStatus.RETIRED, "ana")
        after = registrar(ana)()
        assert after.key_id == new.key_id
        assert load_bundle(ana, before).files == FILES
        assert ana.verify_events().ok


def test_bad_keys_are_refused_with_the_fix(tmp_path: Path, store: str) -> None:
    with member(tmp_path, store, "ana") as ana:
        add_user(ana, "ana", Role.ADMIN)
        with pytest.raises(InputError, match="public key"):
            add_key(ana, "ben", "not a key")
        private = (tmp_path / "ana" / "keys" / "workspace_ed25519.pem").read_text()
        with pytest.raises(InputError, match="the public half only"):
            add_key(ana, "ben", private)
        with pytest.raises(Conflict, match="registered already"):
            add_key(ana, "ben", public_pem(ana))
        with pytest.raises(Conflict, match="this home's own key"):
            revoke_key(ana, home_key(ana)[0].key_id, "testing")


def test_a_server_signs_only_for_the_callers_its_tokens_authenticate(
    tmp_path: Path, store: str
) -> None:
    with member(tmp_path, store, "ana") as ana:
        add_user(ana, "ana", Role.ADMIN)
        add_user(ana, "ben", Role.APPROVER)
    with member(tmp_path, store, "api") as server:
        server_key = public_pem(server)
    with member(tmp_path, store, "ana") as ana:
        add_key(ana, "api-1", server_key, service=True)
        set_team(ana, True)
    with member(tmp_path, store, "ben") as server_cli:  # the server's home, but from a shell
        server_cli.settings = replace(server_cli.settings, home=tmp_path / "api")
        with pytest.raises(Forbidden, match="is a service key"), server_cli.transaction() as conn:
            server_cli.record(conn, "model.approved", "model/churn/v1", {})
        for_ben = Workspace(server_cli.settings, server_cli.store, server_cli.blobs, vouched=True)
        with for_ben.transaction() as conn:
            for_ben.record(conn, "model.approved", "model/churn/v1", {"comment": "via token"})
        report = for_ben.verify_events()
        newest = for_ben.read_events(limit=1)[0]
    assert report.ok, report.reason
    assert (newest.actor, newest.key_id) == ("ben", home_key_id(tmp_path / "api"))


def home_key_id(home: Path) -> str:
    from modelward.access import load_verify_key

    return load_verify_key(home).key_id


def test_team_mode_waits_for_an_admin_to_vouch_for_self_registered_keys(
    tmp_path: Path, store: str
) -> None:
    with member(tmp_path, store, "ana") as ana:
        add_user(ana, "ana", Role.ADMIN)
    # before team mode names are claims: a refused attempt still registers the home's key
    with modelward.open(home=tmp_path / "mallory", store_url=store, actor="ana") as mallory:
        add_user(mallory, "eve", Role.VIEWER)  # "ana" may: but this is not ana's home
        claimed = home_key(mallory)[0].key_id
    with member(tmp_path, store, "ana") as ana:
        with pytest.raises(Conflict, match=rf"{claimed} \(claims ana, person\)"):
            set_team(ana, True)
        revoke_key(ana, claimed, "not a key ana knows")
        assert set_team(ana, True)
    with (
        modelward.open(home=tmp_path / "mallory", store_url=store, actor="ana") as mallory,
        pytest.raises(Forbidden, match="was revoked"),
    ):
        add_user(mallory, "eve2", Role.VIEWER)


def test_a_registry_row_edited_to_another_owner_fails_verification(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'store.db'}"
    with member(tmp_path, store, "ana") as ana:
        add_user(ana, "ana", Role.ADMIN)
        add_user(ana, "ben", Role.APPROVER)
    with member(tmp_path, store, "ben") as ben:
        ben_key = public_pem(ben)
    with member(tmp_path, store, "ana") as ana:
        add_key(ana, "ben", ben_key)
        set_team(ana, True)
    with sqlite3.connect(tmp_path / "store.db") as db:  # ben holds the store's password too
        db.execute("UPDATE signing_keys SET owner = 'ana' WHERE owner = 'ben'")
    with modelward.open(home=tmp_path / "ben", store_url=store, actor="ana") as posing:
        with posing.transaction() as conn:
            posing.record(conn, "model.approved", "model/churn/v1", {"comment": "as ana"})
        report = posing.verify_events()
    assert not report.ok
    assert report.reason is not None
    assert "the registry was edited outside modelward" in report.reason
