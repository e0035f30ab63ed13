"""Ledger: what each model and project costs (compute, storage, serving, monitoring, energy,
CO2), what its decisions realized under the value model, and ROI across the portfolio."""

from modelward.ledger.records import (
    Costs,
    CurrencyTotal,
    Ledger,
    Line,
    LineKind,
    ProjectLedger,
    Realized,
    Roi,
    Usage,
)
from modelward.ledger.service import NO_PROJECT, ledger

__all__ = [
    "NO_PROJECT",
    "Costs",
    "CurrencyTotal",
    "Ledger",
    "Line",
    "LineKind",
    "ProjectLedger",
    "Realized",
    "Roi",
    "Usage",
    "ledger",
]
