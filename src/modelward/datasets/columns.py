"""Column names as every reader must deliver them: stripped, non-empty and unique."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from modelward.errors import InputError


def clean_names(names: Sequence[str], source: str) -> list[str]:
    """Strip the names; refuse empty or duplicate ones, naming them and the fix."""
    cleaned = [name.strip() for name in names]
    empty = [str(i + 1) for i, name in enumerate(cleaned) if not name]
    if empty:
        raise InputError(
            f"{source}: column {', '.join(empty)} has an empty name; "
            "give every column a name in the header row"
        )
    repeated = [name for name, count in Counter(cleaned).items() if count > 1]
    if repeated:
        shown = ", ".join(repr(name) for name in repeated[:10])
        raise InputError(
            f"{source}: duplicate column names {shown}; rename them so each column is unique"
        )
    return cleaned
