"""Apply Alembic migrations on open, inside the caller's transaction (which holds the lock).

Alembic is imported only when the schema is behind: a workspace that is up to date opens
without paying for it. `HEAD` must name the newest revision (a test keeps it honest).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0013"


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    """The newest revision found among the migration scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(conn: Connection) -> None:
    """Bring the schema to the newest revision; a no-op when it is there already."""
    if current_revision(conn) == HEAD:
        return
    from alembic import command

    config = _config()
    config.attributes["connection"] = conn
    command.upgrade(config, "head")
