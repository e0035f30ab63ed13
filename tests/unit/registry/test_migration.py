"""Migration 0003 adds the registry's tables to a store at 0002 and keeps what it holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Connection, insert, inspect, select, update

import modelward
from modelward.backends.store import open_store
from modelward.backends.store.migrate import HEAD, _config, current_revision
from modelward.backends.store.tables import chain_head, events, projects, runs
from modelward.events.chain import GENESIS, canonical_json, event_hash
from modelward.registry import get_model, load_bundle
from tests.unit.registry.conftest import FILES, registrar

SPEC = {"name": "churn", "task": "binary", "target": "churned"}


def _store_at_0002(store_url: str) -> None:
    """A store as a 0002-era modelward left it: a project, a run and an event."""
    old = open_store(store_url, migrate=False)
    with old.transaction() as conn:
        config = _config()
        config.attributes["connection"] = conn
        command.upgrade(config, "0002")
        assert not inspect(conn).has_table("model_versions")
        stamp = "2026-01-01T00:00:00+00:00"
        conn.execute(
            insert(projects).values(
                id=1,
                name="churn",
                spec=json.dumps(SPEC),
                created_at=stamp,
                created_by="ana",
                updated_at=stamp,
            )
        )
        conn.execute(
            insert(runs).values(
                uid="a" * 32,
                project_id=1,
                name="old-run",
                status="finished",
                lineage="{}",
                tags="{}",
                started_at=stamp,
                created_by="ana",
            )
        )
        _append_as_0002(conn)
    old.close()


def _append_as_0002(conn: Connection) -> None:
    """The event a 0002-era modelward appended: its head had no signature column."""
    fields: dict[str, Any] = {
        "seq": 1,
        "time": "2026-01-01T00:00:00+00:00",
        "actor": "ana",
        "action": "project.created",
        "subject": "project/churn",
        "payload": canonical_json({}),
        "prev_hash": GENESIS,
    }
    fields["hash"] = event_hash(**fields)
    conn.execute(insert(events).values(**fields))
    conn.execute(update(chain_head).values(seq=1, hash=fields["hash"]))


def test_upgrade_from_0002_keeps_existing_data(tmp_path: Path, store_url: str) -> None:
    _store_at_0002(store_url)
    with modelward.open(home=tmp_path / "ws", store_url=store_url, actor="ana") as ws:
        with ws.transaction() as conn:
            assert current_revision(conn) == HEAD
            assert inspect(conn).has_table("trials")
            assert conn.execute(select(runs.c.name)).scalar() == "old-run"
        assert modelward.get_project(ws, "churn").spec.target == "churned"
        assert [e.action for e in ws.read_events()] == ["project.created"]
        model = registrar(ws)(run_uid="a" * 32)
        assert get_model(ws, "churn@1").run == "a" * 32
        assert load_bundle(ws, model).files == FILES
        assert ws.verify_events().ok
