from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from pathlib import Path

import polars as pl

from modelward.datasets.canonical import write_canonical

log = logging.getLogger(__name__)


def _frame() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": [1, 2, 3],
            "amount": [1.5, None, 3.25],
            "plan": pl.Series(["a", "b", "a"], dtype=pl.Categorical),
            "day": [dt.date(2024, 1, 1), dt.date(2024, 1, 2), None],
            "ok": [True, False, None],
        }
    )


def test_the_same_frame_gives_the_same_bytes(tmp_path: Path) -> None:
    first = write_canonical(_frame(), tmp_path / "a.parquet")
    second = write_canonical(_frame(), tmp_path / "b.parquet")
    assert first == second
    assert first == hashlib.sha256((tmp_path / "a.parquet").read_bytes()).hexdigest()


def test_the_frame_reads_back_equal(tmp_path: Path) -> None:
    write_canonical(_frame(), tmp_path / "a.parquet")
    assert pl.read_parquet(tmp_path / "a.parquet").equals(_frame())


def test_a_changed_cell_or_column_order_changes_the_hash(tmp_path: Path) -> None:
    base = write_canonical(_frame(), tmp_path / "a.parquet")
    changed = _frame().with_columns(pl.when(pl.col("id") == 2).then(9).otherwise("id").alias("id"))
    assert write_canonical(changed, tmp_path / "b.parquet") != base
    reordered = _frame().select(reversed(_frame().columns))
    assert write_canonical(reordered, tmp_path / "c.parquet") != base
    assert pl.read_parquet(tmp_path / "c.parquet").columns == list(reversed(_frame().columns))


def test_the_chunk_layout_in_memory_does_not_matter(tmp_path: Path) -> None:
    frame = pl.DataFrame({"x": range(300_000), "y": [str(i % 7) for i in range(300_000)]})
    pieces = pl.concat([frame[:100_000], frame[100_000:]], rechunk=False)
    assert pieces.n_chunks() == 2
    assert write_canonical(pieces, tmp_path / "a.parquet") == write_canonical(
        frame, tmp_path / "b.parquet"
    )


def test_a_million_rows(tmp_path: Path) -> None:
    n = 1_000_000
    frame = pl.DataFrame(
        {"id": range(n), "x": [i * 0.5 for i in range(n)], "c": [str(i % 13) for i in range(n)]}
    )
    start = time.perf_counter()
    digest = write_canonical(frame, tmp_path / "big.parquet")
    log.info("canonical write of %d rows: %.2f s", n, time.perf_counter() - start)
    assert len(digest) == 64
