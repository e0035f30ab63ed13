"""The ledger stage's public API: `__all__` lists exactly what it exports."""

from __future__ import annotations

import types

from modelward import ledger


def test_all_is_complete() -> None:
    public = {
        name
        for name in dir(ledger)
        if not name.startswith("_") and not isinstance(getattr(ledger, name), types.ModuleType)
    }
    assert public == set(ledger.__all__)
