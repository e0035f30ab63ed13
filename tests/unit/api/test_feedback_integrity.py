"""Outcomes nobody can rewrite: who may report them, what they may say, and that the first
label stays (a later different one is a dispute on record), replayed against a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

import modelward
from modelward.access.users import Role
from modelward.api.security import EdgeConfig
from modelward.permissions import add_user
from modelward.serving.deployments import create_deployment
from modelward.serving.feedback import read_feedback
from modelward.serving.tokens import create_api_token
from tests.unit.api.conftest import churn_rows, running

AUTH = EdgeConfig(auth=True)


@pytest.fixture
def deployed(served_home: Path) -> Path:
    with modelward.open(home=served_home, actor="ana") as ws:
        create_deployment(ws, "default", "churn/v1")
    with modelward.open(home=served_home, actor="root") as ws:
        add_user(ws, "crm", Role.REPORTER)
    return served_home


def bearer(home: Path, user: str) -> dict[str, str]:
    with modelward.open(home=home, actor="root") as ws:
        issued = create_api_token(ws, user, label="test")
    return {"authorization": f"Bearer {issued.token}"}


def test_only_reporters_and_above_send_outcomes_and_viewers_see_no_logged_rows(
    deployed: Path,
) -> None:
    viewer, reporter = bearer(deployed, "vic"), bearer(deployed, "crm")
    scientist = bearer(deployed, "ana")
    with running(deployed, edge=AUTH) as client:
        scored = client.post("/invocations", json={"instances": churn_rows(1)}, headers=viewer)
        item = {"feedback": [{"request_id": scored.json()["request_id"], "label": "Yes"}]}
        by_viewer = client.post("/v1/deployments/default/feedback", json=item, headers=viewer)
        by_reporter = client.post("/v1/deployments/default/feedback", json=item, headers=reporter)
        rows_for_viewer = client.get("/api/v1/deployments/default/predictions", headers=viewer)
        rows_for_scientist = client.get(
            "/api/v1/deployments/default/predictions", headers=scientist
        )
    assert by_viewer.status_code == 403
    assert "this needs the reporter role" in by_viewer.json()["error"]["message"]
    assert by_reporter.status_code == 200
    assert rows_for_viewer.status_code == 403
    assert rows_for_scientist.status_code == 200


def test_labels_must_be_outcomes_the_model_can_have(deployed: Path) -> None:
    with running(deployed) as client:
        scored = client.post("/invocations", json={"instances": churn_rows(1)}).json()
        rid = scored["request_id"]

        def send(label: object) -> int:
            body = {"feedback": [{"request_id": rid, "label": label}]}
            return client.post("/v1/deployments/default/feedback", json=body).status_code

        banana, huge, number = send("Banana"), send("Y" * 5_000_000), send(1)
        fine = send("No")
    assert (banana, huge, number) == (422, 422, 422)
    assert fine == 200


def test_the_first_label_stays_and_a_later_one_is_a_dispute_on_record(deployed: Path) -> None:
    with running(deployed) as client:
        scored = client.post("/invocations", json={"instances": churn_rows(3)}).json()
        ids = [f"{scored['request_id']}:{i}" for i in range(3)]
        first = [{"request_id": i, "label": "No"} for i in ids]
        sent = client.post("/v1/deployments/default/feedback", json={"feedback": first})
        rewrite = [{"request_id": i, "label": "Yes"} for i in ids[:2]]
        again = [{"request_id": ids[2], "label": "No"}]
        rewritten = client.post(
            "/v1/deployments/default/feedback", json={"feedback": rewrite + again}
        )
    assert sent.json()["accepted"] == 3
    assert rewritten.json() == {
        "deployment": "default",
        "accepted": 0,
        "unchanged": 1,
        "disputed": 2,
    }
    with modelward.open(home=deployed) as ws:
        kept = read_feedback(ws, "default")
        dispute = ws.read_events(action="feedback.disputed", limit=1)[0]
    assert kept["label"].to_list() == ['"No"'] * 3  # what monitoring and the ledger read
    assert dispute.payload_data()["count"] == 2
    assert dispute.payload_data()["rows"][0] == {
        "request_id": ids[0],
        "kept": '"No"',
        "sent": '"Yes"',
    }
