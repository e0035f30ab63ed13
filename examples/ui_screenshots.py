"""Screenshots of the web UI's main pages, for the README: `python examples/ui_screenshots.py WS`.

Serves the workspace WS (for example `build/demo/ws` after `make demo`) on a free loopback
port, opens each page in Debian's Chromium through Playwright and writes PNGs to docs/ui/: the
pages below, and the page of the newest churn run (its trial chart) as run.png.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "projects": "/",
    "dataset": "/datasets/wa_churn@1",
    "model": "/models/churn/v1",
    "deployment": "/deployments/churn-api",
    "ledger": "/ledger",
    "events": "/events",
}
OUT = Path(__file__).parents[1] / "docs" / "ui"


def main(home: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "modelward", "--home", str(home), "serve"]
    server = subprocess.Popen([*command, "--port", str(port)])
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(f"{base}/readyz")
        _shoot(base)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)


def _shoot(base: str) -> None:
    executable = shutil.which("chromium")
    if executable is None:
        raise SystemExit("needs Debian's chromium (`make browser`)")
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        for name, path in PAGES.items():
            page.goto(base + path, wait_until="networkidle")  # charts drawn
            page.screenshot(path=str(OUT / f"{name}.png"), full_page=False)
        page.goto(base + "/runs?project=churn")  # the demo's trained model: a search's trials
        with page.expect_navigation():
            page.locator("tbody a").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(OUT / "run.png"), full_page=False)
        browser.close()


def _wait(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not become ready at {url}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
