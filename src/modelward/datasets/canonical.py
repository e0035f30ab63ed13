"""The canonical Parquet encoding of a frame: same content, same bytes, same version id.

Every writer option that changes the bytes is pinned here. One field stays outside our control:
the footer's `created_by` names the polars version, so an upgrade of polars may change the bytes
(and so the id) of the same content; ids are stable for a given installation.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Final

import polars as pl

COMPRESSION: Final = "zstd"
COMPRESSION_LEVEL = 3
ROW_GROUP_ROWS = 128 * 1024
DATA_PAGE_BYTES = 1024 * 1024


def write_canonical(df: pl.DataFrame, dest: Path) -> str:
    """Write `df` to `dest` in the canonical encoding; return the sha256 hex of the bytes.

    Columns keep their order. The digest is taken by streaming the written file back (from the
    page cache), so a large frame is never held twice in memory.
    """
    df.write_parquet(
        dest,
        compression=COMPRESSION,
        compression_level=COMPRESSION_LEVEL,
        statistics=True,
        row_group_size=ROW_GROUP_ROWS,
        data_page_size=DATA_PAGE_BYTES,
    )
    with dest.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
