"""Demand forecasting: one global gradient-boosted model over many series, with intervals."""
