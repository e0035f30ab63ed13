"""Files a command writes for the user (reports, cards): checked first, written atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from modelward.errors import InputError


def check_output(path: Path, *, flag: str, suffixes: Sequence[str]) -> None:
    """`InputError` naming `flag` unless `path` is a new or existing file in an existing folder
    with one of `suffixes`."""
    if path.suffix.lower() not in suffixes:
        raise InputError.field(flag, str(path), f"a file ending in {' or '.join(suffixes)}")
    if path.is_dir() or not (path.parent if str(path.parent) else Path()).is_dir():
        raise InputError.field(flag, str(path), "a file in an existing folder")


def write_text(path: Path, text: str) -> None:
    """Write beside the target, then rename: a reader never sees half a file."""
    folder = path.parent if str(path.parent) else Path()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
