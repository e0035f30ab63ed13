"""The monitoring stage's public API: `__all__` lists exactly what it exports."""

from __future__ import annotations

import types

from modelward import monitoring


def test_all_is_complete() -> None:
    public = {
        name
        for name in dir(monitoring)
        if not name.startswith("_") and not isinstance(getattr(monitoring, name), types.ModuleType)
    }
    assert public == set(monitoring.__all__)
