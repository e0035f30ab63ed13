"""The metadata store: SQLAlchemy Core over SQLite (default) or PostgreSQL, chosen by URL."""

from modelward.backends.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
