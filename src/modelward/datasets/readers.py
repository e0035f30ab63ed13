"""Load a user's table (a file, a URL or a SQL query) into a polars frame, validated at the edge.

Every bad input becomes one `InputError` whose message names the source, the problem and the
fix; foreign errors are wrapped with ``raise ... from exc`` and never reach the user raw.
"""

from __future__ import annotations

import difflib
import itertools
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import polars as pl
import pyarrow.parquet as pq

from modelward.datasets.columns import clean_names
from modelward.datasets.csvfile import read_csv_file
from modelward.datasets.remote import download
from modelward.datasets.sql import read_sql
from modelward.datasets.textscan import SAMPLE_BYTES, codec_name
from modelward.errors import InputError

__all__ = ["read_file", "read_sql", "read_uri"]

_PARQUET_MAGIC = b"PAR1"
# A corrupt file fails in pyarrow (ArrowInvalid is a ValueError), in polars, or panics in Rust.
_PARQUET_ERRORS = (pl.exceptions.PolarsError, pl.exceptions.PanicException, OSError, ValueError)


def read_file(path: str | Path, *, encoding: str = "utf-8", dates: bool = True) -> pl.DataFrame:
    """Read a CSV (any of , ; tab | as delimiter) or Parquet file; Parquet is known by its bytes.

    Raises `InputError` for a missing or special file, empty or binary content, an encoding
    error, ragged rows, bad column names or a corrupt Parquet file. `dates=False` leaves a
    CSV's date columns as text (for a caller whose schema casts them).
    """
    return read_local(Path(path).expanduser(), codec_name(encoding), str(path), dates=dates)


def read_uri(
    uri: str, *, storage_options: Mapping[str, object] | None = None, encoding: str = "utf-8"
) -> pl.DataFrame:
    """Fetch `uri` (s3://bucket/key or any fsspec URL) to a temporary file, then read it there."""
    codec = codec_name(encoding)
    suffix = PurePosixPath(uri.split("?", 1)[0]).suffix
    with tempfile.TemporaryDirectory(prefix="modelward-") as tmp:
        local = Path(tmp) / f"download{suffix}"
        download(uri, local, dict(storage_options or {}))
        return read_local(local, codec, uri)


def read_local(path: Path, codec: str, source: str, *, dates: bool = True) -> pl.DataFrame:
    """Read the local file at `path`; messages name `source` (the path or URL the user gave)."""
    size = _check_regular(path, source)
    if size == 0:
        raise InputError(
            f"{source}: the file is empty (0 bytes); "
            "export the data with a header row and at least one data row"
        )
    try:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
    except OSError as exc:
        raise InputError(
            f"{source}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
    if head.startswith(_PARQUET_MAGIC):
        return _read_parquet(path, source)
    return read_csv_file(path, head, codec, source, dates=dates)


def _check_regular(path: Path, source: str) -> int:
    """The size of a regular file; stat never opens, so a FIFO cannot block us."""
    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise InputError(f"{source}: no such file; {_suggest(path)}") from exc
    except OSError as exc:
        raise InputError(
            f"{source}: cannot be read ({exc.strerror}); check its permissions"
        ) from exc
    if stat.S_ISDIR(info.st_mode):
        raise InputError(
            f"{source}: is a directory, not a file; give the path of a CSV or Parquet file"
        )
    if not stat.S_ISREG(info.st_mode):
        raise InputError(
            f"{source}: not a regular file (a pipe, socket or device); "
            "save the data to a CSV or Parquet file first"
        )
    return info.st_size


def _suggest(path: Path) -> str:
    try:
        with os.scandir(path.parent) as entries:
            siblings = [entry.name for entry in itertools.islice(entries, 10_000)]
    except OSError:
        return "check the path"
    close = difflib.get_close_matches(path.name, siblings, n=3)
    return f"did you mean {', '.join(close)}?" if close else "check the path"


def _read_parquet(path: Path, source: str) -> pl.DataFrame:
    fix = "re-export the file, or export the data as CSV"
    try:
        # pyarrow keeps duplicate names that polars would refuse with a vaguer message.
        names = clean_names(pq.read_schema(path).names, source)
        frame = pl.read_parquet(path)
    except _PARQUET_ERRORS as exc:
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise InputError(f"{source}: not a readable Parquet file ({reason}); {fix}") from exc
    if frame.height == 0:
        raise InputError(f"{source}: the Parquet file has no rows; {fix} with at least one row")
    if names != frame.columns:
        frame.columns = names
    return frame
