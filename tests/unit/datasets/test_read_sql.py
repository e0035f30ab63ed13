from __future__ import annotations

import sqlite3
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import create_engine

from modelward.datasets.readers import read_sql
from modelward.errors import InputError


@pytest.fixture
def shop(tmp_path: Path) -> str:
    """A SQLite database with a small `orders` table; its URL."""
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, customer TEXT, amount REAL, at TEXT)")
        conn.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?)",
            [(1, "ann", 10.0, "2024-01-02"), (2, "bob", 2.5, None), (3, "ann", None, "x:y")],
        )
    conn.close()
    return f"sqlite:///{path}"


def test_a_query_becomes_a_frame(shop: str) -> None:
    frame = read_sql("SELECT id, customer, amount FROM orders ORDER BY id", shop)
    assert frame.schema == pl.Schema(
        {"id": pl.Int64(), "customer": pl.String(), "amount": pl.Float64()}
    )
    assert frame["amount"].to_list() == [10.0, 2.5, None]


def test_a_colon_inside_a_literal_is_not_a_parameter(shop: str) -> None:
    frame = read_sql("SELECT id FROM orders WHERE at = 'x:y'", shop)
    assert frame["id"].to_list() == [3]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("SELECT * FROM nope", r"--sql: the query failed: no such table: nope; check the SQL"),
        ("SELEC id FROM orders", r"--sql: the query failed: near \"SELEC\": syntax error"),
        ("SELECT * FROM orders WHERE id > 10", r"the query returned no rows"),
        ("UPDATE orders SET amount = 0", r"expected a query that returns rows"),
        ("SELECT id, customer AS id FROM orders", r"duplicate column names 'id'"),
        ("  ", r"--sql: got '  '; expected a SELECT query"),
    ],
)
def test_bad_queries_are_refused_with_the_drivers_message(
    shop: str, query: str, message: str
) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_sql(query, shop)
    assert "\n" not in caught.value.message


def test_nothing_is_committed(shop: str) -> None:
    with pytest.raises(InputError, match="returns rows"):
        read_sql("DELETE FROM orders", shop)
    assert read_sql("SELECT COUNT(*) AS n FROM orders", shop)["n"][0] == 3


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", r"--db: got 'not a url'; expected a SQLAlchemy URL"),
        ("nosuchdb://x/y", r"--db: got 'nosuchdb://x/y'; expected a SQLAlchemy URL"),
        ("sqlite:////nonexistent/dir/shop.db", r"no such SQLite database file; check the path"),
        (
            "postgresql+psycopg://postgres:secret@127.0.0.1:1/test",
            r"--db postgresql\+psycopg://postgres:\*\*\*@127.0.0.1:1/test: cannot connect",
        ),
    ],
)
def test_bad_database_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        read_sql("SELECT 1", url)
    assert "secret" not in caught.value.message


def test_postgresql(pg_url: str) -> None:
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (id int, price numeric(6, 2), seen timestamp)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1, 9.99, '2024-01-02 03:04:05'), (2, 1, NULL)")
    engine.dispose()
    frame = read_sql("SELECT * FROM t ORDER BY id", pg_url)
    assert frame.height == 2
    assert frame["seen"].dtype == pl.Datetime("us")
    with pytest.raises(InputError, match=r'relation "missing" does not exist'):
        read_sql("SELECT * FROM missing", pg_url)
