"""Numbers as the report stores and states them: JSON-safe values, money in words."""

from __future__ import annotations

import math

from modelward.model import amount


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
    """An amount as a sentence says it: 1,234 or 5.50, and "<0.01" for a fraction of a cent."""
    return amount(value)
