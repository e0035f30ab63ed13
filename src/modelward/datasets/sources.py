"""Where a dataset comes from: a file, a URI or a SQL query, validated before any read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from modelward.datasets.readers import read_file, read_sql, read_uri
from modelward.errors import InputError


@dataclass(frozen=True)
class Source:
    """A validated description of the data to load; `describe()` is what gets recorded."""

    kind: str
    location: str
    query: str | None = None
    encoding: str = "utf-8"

    def describe(self) -> dict[str, Any]:
        location = redacted(self.location) if self.kind == "sql" else self.location
        described: dict[str, Any] = {"kind": self.kind, "location": location}
        if self.query is not None:
            described["query"] = self.query
        return described

    def default_name(self) -> str | None:
        if self.kind == "sql":
            return None
        stem = Path(self.location.rstrip("/").rsplit("/", 1)[-1]).stem
        cleaned = "".join(ch if ch.isalnum() or ch in "_.-" else "_" for ch in stem)
        return cleaned.strip("_.-")[:64] or None

    def load(self, storage_options: dict[str, Any]) -> pl.DataFrame:
        if self.kind == "sql":
            assert self.query is not None
            return read_sql(self.query, self.location)
        if self.kind == "uri":
            return read_uri(self.location, storage_options=storage_options, encoding=self.encoding)
        return read_file(Path(self.location), encoding=self.encoding)


def make_source(
    path: str | Path | None, *, sql: str | None, db: str | None, encoding: str = "utf-8"
) -> Source:
    """Check that exactly one kind of source is given, and that it is well-formed."""
    if sql is not None or db is not None:
        if path is not None:
            raise InputError("give either a PATH/URI or --sql with --db, not both")
        if not sql or not sql.strip():
            raise InputError.field("--sql", sql, "a SELECT query (with --db URL)")
        if not db:
            raise InputError.field("--db", db, "a database URL such as sqlite:///shop.db")
        return Source("sql", _check_db_url(db), query=sql.strip())
    if path is None or not str(path).strip():
        raise InputError.field("PATH", path, "a CSV or Parquet file, an s3:// URI, or --sql")
    text = str(path)
    if "://" in text:
        return Source("uri", text, encoding=encoding)
    return Source("file", str(Path(text).expanduser().absolute()), encoding=encoding)


def _check_db_url(db: str) -> str:
    try:
        make_url(db)
    except ArgumentError as exc:
        raise InputError.field("--db", db, "a SQLAlchemy URL such as sqlite:///shop.db") from exc
    return db


def redacted(db: str) -> str:
    """A database URL safe to record: the password hidden."""
    return make_url(db).render_as_string(hide_password=True)
