"""Ledger: what each model and project costs (compute, storage, serving, monitoring, energy,
CO2), what its decisions realized under the value model, and ROI across the portfolio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.ledger.records import (
        Costs as Costs,
        CurrencyTotal as CurrencyTotal,
        Ledger as Ledger,
        Line as Line,
        LineKind as LineKind,
        ProjectLedger as ProjectLedger,
        Realized as Realized,
        Roi as Roi,
        Usage as Usage,
    )
    from modelward.ledger.service import (
        NO_PROJECT as NO_PROJECT,
        ledger as ledger,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
