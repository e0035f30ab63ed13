"""How figures read in finding messages: one style for counts, shares, values and masks."""

from __future__ import annotations

from collections.abc import Iterable


def count(n: int) -> str:
    """``7043`` reads ``7,043``."""
    return f"{n:,}"


def share(part: float, whole: float) -> str:
    """``11`` of ``7043`` reads ``0.16%``; a share that rounds to zero reads ``<0.01%``."""
    if whole <= 0:
        return "0%"
    pct = 100.0 * part / whole
    if 0 < pct < 0.01:
        return "<0.01%"
    if pct >= 10 or pct == int(pct):
        return f"{pct:.1f}%".replace(".0%", "%")
    return f"{pct:.2f}%"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 category``, ``2 categories``: the count and the noun that agrees with it."""
    if n == 1:
        return f"1 {word}"
    return f"{count(n)} {many or word + 's'}"


def number(x: float) -> str:
    """A measured value, short enough to read: ``1,234.5``, ``0.0312``, ``1.2e+09``."""
    if x != x:  # NaN
        return "NaN"
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1e9 or (0 < abs(x) < 1e-3):
        return f"{x:.3g}"
    if abs(x) >= 100:
        return f"{x:,.1f}"
    return f"{x:.4g}"


def value(v: object, limit: int = 40) -> str:
    """A data value as the user would type it, quoted when text and cut when long."""
    text = repr(v) if isinstance(v, str) else str(v)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def values(vs: Iterable[object], limit: int = 3) -> str:
    """The first ``limit`` values, comma separated."""
    return ", ".join(value(v) for v in list(vs)[:limit])


def score(x: float) -> str:
    return f"{x:.3f}"
