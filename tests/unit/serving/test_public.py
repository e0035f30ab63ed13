"""The serving stage's public API: `__all__` lists exactly what it exports."""

from __future__ import annotations

import types

from modelward import serving


def test_all_is_complete() -> None:
    public = {
        name
        for name in dir(serving)
        if not name.startswith("_") and not isinstance(getattr(serving, name), types.ModuleType)
    }
    assert public == set(serving.__all__)
