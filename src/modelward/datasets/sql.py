"""Run a user's SQL query on a SQLAlchemy URL and load the rows; driver errors become messages."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError

from modelward.datasets.columns import clean_names
from modelward.errors import InputError

_URL_EXAMPLE = "a SQLAlchemy URL such as sqlite:///shop.db or postgresql+psycopg://user@host/db"


def read_sql(query: str, db_url: str) -> pl.DataFrame:
    """Run `query` on `db_url` and return its rows; the transaction is rolled back, not committed.

    Raises `InputError` for a bad URL, an unreachable database, a failing query, or a result
    without columns or rows.
    """
    if not query.strip():
        raise InputError.field("--sql", query, "a SELECT query")
    url = _parse_url(db_url)
    shown = url.render_as_string(hide_password=True)
    engine = _engine(url, shown)
    try:
        names, rows = _fetch(engine, query, shown)
    finally:
        engine.dispose()
    source = f"--sql query on {shown}"
    names = clean_names(names, source)
    if not rows or not names:
        raise InputError(f"{source}: the query returned no rows; check its WHERE clause and table")
    # infer_schema_length=None: SQLite types per value, so a late float must not be truncated.
    return pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)


def _parse_url(db_url: str) -> URL:
    try:
        return make_url(db_url)
    except ArgumentError as exc:
        raise InputError.field("--db", db_url, _URL_EXAMPLE) from exc


def _engine(url: URL, shown: str) -> Engine:
    database = url.database or ""
    in_file = database not in ("", ":memory:") and not database.startswith("file:")
    # SQLite would silently create a missing file, then report "no such table".
    if url.get_backend_name() == "sqlite" and in_file and not Path(database).is_file():
        raise InputError(f"--db {shown}: no such SQLite database file; check the path")
    try:
        return create_engine(url)
    except NoSuchModuleError as exc:
        raise InputError.field("--db", shown, _URL_EXAMPLE + f" ({_one_line(exc)})") from exc
    except ImportError as exc:
        raise InputError(
            f"--db {shown}: the database driver is not installed ({exc}); install it, "
            "e.g. `pip install modelward[postgres]`"
        ) from exc
    except ArgumentError as exc:
        raise InputError.field("--db", shown, _URL_EXAMPLE + f" ({_one_line(exc)})") from exc


def _fetch(engine: Engine, query: str, shown: str) -> tuple[list[str], Sequence[Sequence[Any]]]:
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        raise InputError(
            f"--db {shown}: cannot connect ({_driver_message(exc)}); check the URL, that the "
            "server is running, and the credentials"
        ) from exc
    with conn:
        try:
            # exec_driver_sql: the text goes to the driver as written, so a ':x' inside a
            # string literal is not taken for a bound parameter.
            result = conn.exec_driver_sql(query)
            if not result.returns_rows:
                raise InputError.field("--sql", query, "a query that returns rows (SELECT ...)")
            return list(result.keys()), [tuple(row) for row in result.fetchall()]
        except DBAPIError as exc:
            raise InputError(
                f"--sql: the query failed: {_driver_message(exc)}; check the SQL and the tables "
                "and columns it names"
            ) from exc
        except SQLAlchemyError as exc:
            raise InputError(f"--sql: the query failed: {_one_line(exc)}") from exc


def _driver_message(exc: DBAPIError) -> str:
    return _one_line(exc.orig) if exc.orig is not None else _one_line(exc)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
