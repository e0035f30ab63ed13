"""Files written for the user (scored rows, reports, cards, bundles): checked before any work,
written beside the target and renamed into place, so a reader never sees half a file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from modelward.errors import InputError


def check_output(path: Path, *, flag: str, suffixes: Sequence[str]) -> Path:
    """`path`, when it names a file with one of `suffixes` in an existing folder; otherwise an
    `InputError` naming `flag`."""
    if path.suffix.lower() not in suffixes:
        raise InputError.field(flag, str(path), f"a file name ending in {' or '.join(suffixes)}")
    if path.is_dir():
        raise InputError.field(flag, str(path), "a file name, not a folder")
    if not _folder(path).is_dir():
        raise InputError.field(flag, str(path), "a file in an existing folder")
    return path


@contextmanager
def atomic_path(target: Path, *, durable: bool = False) -> Iterator[Path]:
    """A scratch path beside `target` to write; renamed onto `target` when the block succeeds,
    removed when it fails. `durable` flushes it to disk first (a record points at it)."""
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=_folder(target))
    os.close(fd)
    scratch = Path(tmp)
    try:
        yield scratch
        if durable:
            with scratch.open("rb") as handle:
                os.fsync(handle.fileno())
        os.replace(scratch, target)
    except BaseException:
        scratch.unlink(missing_ok=True)
        raise


def write_text(target: Path, text: str) -> None:
    with atomic_path(target) as scratch:
        scratch.write_text(text, encoding="utf-8")


def _folder(path: Path) -> Path:
    return path.parent if str(path.parent) else Path()
