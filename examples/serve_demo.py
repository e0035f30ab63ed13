"""Serve a workspace's deployments for a moment and talk to them as a client would.

    python examples/serve_demo.py WORKSPACE DEPLOYMENT ROWS.csv

Starts `modelward serve` on a free loopback port, scores three rows with MLflow's scoring
protocol and prints the answers, scores a batch of the next 500 rows, sends the true outcomes
of all of them as feedback (what monitoring and the ledger read), and shuts the server down
cleanly (which writes the prediction log). Standard library only, like any client.
"""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any


def main(home: Path, deployment: str, rows_file: Path) -> None:
    with rows_file.open(newline="") as handle:
        reader = csv.DictReader(handle)
        # CSV has no null: an empty field is a missing value, which JSON says with null
        everyone = [
            {k: (v if v != "" else None) for k, v in row.items()}
            for _, row in zip(range(503), reader, strict=False)
        ]
    labels = [row.pop("churn") for row in everyone]
    rows, batch = everyone[:3], everyone[3:]
    port = _free_port()
    command = [sys.executable, "-m", "modelward", "--home", str(home), "serve"]
    server = subprocess.Popen([*command, "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/readyz")
        answer = _post(f"{base}/v1/deployments/{deployment}/predict", {"dataframe_records": rows})
        for row, said in zip(rows, answer["predictions"], strict=True):
            chances = ", ".join(f"P({k}) {v:.3f}" for k, v in said["proba"].items())
            print(  # noqa: T201
                f"customer tenure={row['tenure']:>3}: prediction {said['prediction']} "
                f"({chances}), decision {said.get('decision')}"
            )
        more = _post(f"{base}/v1/deployments/{deployment}/predict", {"dataframe_records": batch})
        ids = [f"{answer['request_id']}:{i}" for i in range(len(rows))]
        ids += [f"{more['request_id']}:{i}" for i in range(len(batch))]
        feedback = [{"request_id": i, "label": y} for i, y in zip(ids, labels, strict=True)]
        sent = _post(f"{base}/v1/deployments/{deployment}/feedback", {"feedback": feedback})
        print(f"model {answer['model']}; feedback accepted: {sent['accepted']}")  # noqa: T201
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def _post(url: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(  # noqa: S310 - a loopback URL we built
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return json.loads(response.read())


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    raise SystemExit(f"server did not become ready at {url}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


if __name__ == "__main__":
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))
