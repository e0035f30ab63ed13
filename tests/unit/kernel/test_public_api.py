"""Users import from `modelward`; `__all__` lists exactly what it exports."""

from __future__ import annotations

import modelward


def test_all_is_complete_and_importable() -> None:
    public = {name for name in dir(modelward) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(modelward, name)).__name__ == "module"}
    assert set(modelward.__all__) == public - modules
    for name in modelward.__all__:
        assert getattr(modelward, name) is not None
