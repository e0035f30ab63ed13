"""Cross-site attacks replayed against a real server: a form another site's page auto-posts,
a `no-cors` text/plain fetch, a rebinding Host header, a page on another port of the host."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

import modelward
from modelward.api.guard import Doors, allowed_hosts
from modelward.api.security import EdgeConfig
from modelward.registry import get_model
from modelward.review import reviews_of
from modelward.serving.deployments import create_deployment
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import churn_rows, running


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    return served_home


def origin(client: httpx.Client) -> str:
    return str(client.base_url).rstrip("/")


def reviewed(home: Path, ref: str) -> list[str]:
    with modelward.open(home=home) as ws:
        return [r.comment for r in reviews_of(ws, get_model(ws, ref).ref)]


def test_a_form_posted_by_another_site_approves_nothing(deployed: Path) -> None:
    before = reviewed(deployed, "churn/v2")
    form = {"decision": "approve", "comment": "looks fine"}
    with running(deployed, actor="risk-office") as client:
        other_site = client.post(
            "/models/churn/v2/review",
            data=form,
            headers={"origin": "http://localhost:18999"},
        )
        another_port = client.post(
            "/models/churn/v2/review",
            data=form,
            headers={"referer": origin(client).replace(str(client.base_url.port), "1") + "/x"},
        )
        no_token = client.post("/models/churn/v2/review", data=form)  # a non-browser, no token
    assert other_site.status_code == 403
    assert "requests from other sites may not change anything" in other_site.text
    assert another_port.status_code == 403
    assert no_token.status_code == 303
    assert "refused" in no_token.headers["location"]
    assert "csrf" in no_token.headers["location"]
    assert reviewed(deployed, "churn/v2") == before


def test_the_server_s_own_page_approves_with_its_token(deployed: Path) -> None:
    before = reviewed(deployed, "churn/v2")
    with running(deployed, actor="risk-office") as client:
        page = client.get("/models/churn/v2")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        sent = client.post(
            "/models/churn/v2/review",
            data={"decision": "approve", "comment": "within policy", "csrf": csrf.group(1)},
            headers={"origin": origin(client)},
        )
        forged = client.post(
            "/models/churn/v2/review",
            data={"decision": "reject", "comment": "forged", "csrf": "guessed"},
        )
    assert sent.status_code == 303
    assert "approve%20recorded" in sent.headers["location"]
    assert "refused" in forged.headers["location"]
    assert reviewed(deployed, "churn/v2") == [*before, "within policy"]


def test_a_no_cors_plain_text_fetch_writes_no_feedback(deployed: Path) -> None:
    body = '{"feedback": [{"request_id": "x", "label": "Yes"}]}'
    with running(deployed) as client:
        cross = client.post(
            "/v1/deployments/default/feedback",
            content=body,
            headers={"content-type": "text/plain", "origin": "http://localhost:18999"},
        )
        plain = client.post(
            "/v1/deployments/default/feedback",
            content=body,
            headers={"content-type": "text/plain"},
        )
    assert cross.status_code == 403
    assert plain.status_code == 422
    assert "content-type: got 'text/plain'; expected application/json" in plain.text


def test_a_rebinding_host_is_refused(deployed: Path) -> None:
    with running(deployed) as client:
        rebound = client.get("/api/v1/users", headers={"host": "attacker.example"})
        rebound_post = client.post(
            "/invocations", json={"instances": churn_rows(1)}, headers={"host": "evil.test:80"}
        )
        own = client.get("/api/v1/users")
        by_name = client.get("/healthz", headers={"host": f"localhost:{client.base_url.port}"})
    assert rebound.status_code == 403
    assert "host: got 'attacker.example'" in rebound.json()["error"]["message"]
    assert "--allow-host" in rebound.json()["error"]["message"]
    assert rebound_post.status_code == 403
    assert own.status_code == 200
    assert by_name.status_code == 200


def test_configured_names_are_answered() -> None:
    assert allowed_hosts("127.0.0.1") == frozenset({"127.0.0.1", "localhost", "::1"})
    assert allowed_hosts("10.0.0.5", ("models.internal",)) == frozenset(
        {"10.0.0.5", "models.internal"}
    )
    every = "0.0.0.0"  # noqa: S104 - a name under test, nothing is bound
    assert allowed_hosts(every) is None  # every interface: auth is on, any name
    doors = Doors(allowed_hosts(every, ("models.internal",)))
    assert doors.refusal("GET", {"host": "models.internal:8080"}) is None
    assert doors.refusal("GET", {"host": "other:8080"}) is not None
    assert doors.refusal("GET", {"host": "[::1]:8080"}) is not None
    assert Doors().refusal("POST", {"host": "[::1]:8080", "origin": "null"}) is not None


def test_signing_in_and_out_is_protected(deployed: Path) -> None:
    with modelward.open(home=deployed, actor="root") as ws:
        issued = create_api_token(ws, "risk-office", label="browser")
    with running(deployed, edge=EdgeConfig(auth=True)) as client:
        form = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf is not None
        forged = client.post("/login", data={"token": issued.token, "csrf": "guessed"})
        signed = client.post("/login", data={"token": issued.token, "csrf": csrf.group(1)})
        home = client.get("/")
        out = re.search(
            r'action="/logout"><input type="hidden" name="csrf" value="([^"]+)"', home.text
        )
        assert out is not None
        left = client.post("/logout", data={"csrf": out.group(1)})
        after = client.get("/models")
    assert forged.status_code == 403
    assert signed.status_code == 303
    assert "Sign out" in home.text
    assert left.status_code == 303
    assert left.headers["location"] == "/login"
    assert after.status_code == 303  # signed out: back to the sign-in page
