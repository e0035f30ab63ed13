"""Numbers as the report stores and states them: JSON-safe values, money in words."""

from __future__ import annotations

import math


def json_float(value: float | None, digits: int = 4) -> float | None:
    """A JSON-safe number rounded to `digits` decimals; None for missing, NaN or infinite."""
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


def json_sig(value: float | None, figures: int = 4) -> float | None:
    """A JSON-safe number to `figures` significant figures, for values of any magnitude
    (losses from 1e-6 to thousands, SHAP contributions); None for missing, NaN or infinite."""
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{figures}g}")


def money(value: float) -> str:
    """An amount as a sentence says it: 1,234 or 5.50, and fractions of a cent kept visible."""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    # Compute for a small model costs fractions of a cent: show them rather than "0.00".
    return f"{value:,.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:.2g}"
