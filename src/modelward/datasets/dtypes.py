"""Polars data types written as text (`str(dtype)`) and read back, for contracts stored as JSON."""

from __future__ import annotations

import ast

import polars as pl


def dtype_name(dtype: pl.DataType) -> str:
    """The text form kept in a contract: polars' own repr, e.g. "Datetime(time_unit='us', ...)"."""
    return str(dtype)


def parse_dtype(text: str) -> pl.DataType | None:
    """The polars type that `text` names, or None when it cannot be rebuilt (e.g. a Struct).

    The text is parsed as an expression tree and only type names and literals are accepted, so
    nothing in a stored contract is ever executed.
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    return _build(node)


def _build(node: ast.expr) -> pl.DataType | None:
    if isinstance(node, ast.Name):
        cls = _dtype_class(node.id)
        return _make(cls, [], {})
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    cls = _dtype_class(node.func.id)
    inner = [_build(arg) for arg in node.args]  # List(Int64): positional arguments are types
    if any(arg is None for arg in inner):
        return None
    try:
        options = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except ValueError:
        return None
    return _make(cls, inner, options)


def _make(
    cls: type[pl.DataType] | None, args: list[pl.DataType | None], options: dict[str, object]
) -> pl.DataType | None:
    if cls is None:
        return None
    try:
        return cls(*args, **options)
    except (TypeError, ValueError):
        return None


def _dtype_class(name: str) -> type[pl.DataType] | None:
    found = getattr(pl, name, None)
    # Abstract groups (DataType, NumericType, ...) name no concrete type.
    if isinstance(found, type) and issubclass(found, pl.DataType) and not name.endswith("Type"):
        return found
    return None
