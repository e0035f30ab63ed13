"""Single-row predict latency while a viewer sends the largest allowed explain, side by side.

In a scratch workspace (as bench/serving.py: wa_churn, a LightGBM model, `modelward serve`),
single-row predictions are sent over 4 keep-alive connections for `--seconds`, first alone,
then while another client posts `/explain` of 100 rows (the most one request may ask for)
back to back, each from its own thread. Prints p50/p99 for both windows, how many explains
ran and how many were told to wait (429). The target (issue 24): p99 under 20 ms with the
explains running. Run: `.venv/bin/python bench/stall.py [--seconds 8]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.loadgen import LoadResult, load
from bench.serving import HOST, OURS_PATH, build_scratch, request_bodies, serve_modelward

EXPLAIN_ROWS = 100
TARGET_P99 = 0.020


def explaining(url: str, body: bytes, stop: threading.Event, counts: dict[int, int]) -> None:
    """Post explains back to back until `stop`; count the answers by status."""
    while not stop.is_set():
        request = urllib.request.Request(  # noqa: S310 - a loopback URL we built
            url, data=body, headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:  # noqa: S310
                status = answer.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        counts[status] = counts.get(status, 0) + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="recorded window per phase")
    parser.add_argument("--connections", type=int, default=4, help="predict connections")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="modelward-stall-") as tmp:
        scratch = build_scratch(Path(tmp))
        bodies = request_bodies(scratch.rows)
        rows = scratch.rows.head(EXPLAIN_ROWS).to_dicts()
        explain = json.dumps({"dataframe_records": rows}).encode()
        with serve_modelward(scratch) as server:
            url = f"http://{HOST}:{server.port}/v1/deployments/default/explain"
            alone = load(
                HOST, server.port, OURS_PATH, bodies, connections=args.connections,
                seconds=args.seconds,
            )  # fmt: skip
            stop, counts = threading.Event(), dict[int, int]()
            worker = threading.Thread(target=explaining, args=(url, explain, stop, counts))
            worker.start()
            time.sleep(0.5)
            busy = load(
                HOST, server.port, OURS_PATH, bodies, connections=args.connections,
                seconds=args.seconds,
            )  # fmt: skip
            stop.set()
            worker.join()
    report(alone, busy, counts)


def report(alone: LoadResult, busy: LoadResult, counts: dict[int, int]) -> None:
    print(f"single-row predict alone:              {alone.summary()}")
    print(f"single-row predict beside 100-row explains: {busy.summary()}")
    print(f"explains answered: {counts.get(200, 0)}, told to wait (429): {counts.get(429, 0)}, "
          f"other: {sum(n for s, n in counts.items() if s not in (200, 429))}")  # fmt: skip
    verdict = "ok" if busy.p99 <= TARGET_P99 else "MISSED"
    print(f"p99 beside explains {busy.p99 * 1e3:.2f} ms (target <= 20 ms: {verdict}); "
          f"alone {alone.p99 * 1e3:.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
