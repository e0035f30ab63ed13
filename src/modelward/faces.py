"""Stage faces that import their modules on first use.

A stage's `__init__` says what other stages may use. Importing it eagerly imported every
module behind it, so a command that only lists model versions paid for polars, numpy and
pyarrow through `datasets` and `audit`. A face lists its names once, as imports under
`if TYPE_CHECKING:` (the type checker and the reader see real imports), and ends with

    __getattr__, __dir__, __all__ = lazy_face(__name__, __file__)

which reads that block and imports each name's module the first time the name is used.
"""

from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


def lazy_face(
    package: str, source: str
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """The `__getattr__`, `__dir__` and `__all__` of the face `package` defined in `source`."""
    where = exported_names(Path(source).read_text())

    def __getattr__(name: str) -> Any:  # noqa: N807 - the module hook of PEP 562
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)  # found once
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(where)

    return __getattr__, __dir__, sorted(where)


def exported_names(text: str) -> dict[str, str]:
    """Name -> module, from the `from M import a, b` lines under `if TYPE_CHECKING:`."""
    where: dict[str, str] = {}
    for node in ast.parse(text).body:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module:
                    for alias in statement.names:
                        where[alias.asname or alias.name] = statement.module
    return where


def _is_type_checking(test: ast.expr) -> bool:
    return isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
