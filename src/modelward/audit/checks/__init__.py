"""The built-in audit checks. Importing this package registers them, in this order."""

import importlib

BUILT_IN = (
    "quality",
    "formats",
    "columns",
    "outliers",
    "target",
    "freshness",
    "fairness",
    "pii",
    "drift",
)

for _module in BUILT_IN:
    # Each module registers its checks with `@check`, exactly as a plugin module would.
    importlib.import_module(f"{__name__}.{_module}")
