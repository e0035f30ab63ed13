"""Schemathesis against the live server's OpenAPI document, with and without auth: no generated
input gives a 5xx, and every answer matches what the document declares (status, content type,
body schema)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.result import Ok

from tests.e2e.http.conftest import Start, deploy_default, modelward

pytestmark = pytest.mark.heavy  # trains models or drives servers for many seconds

EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.mark.parametrize("auth", [False, True], ids=["open", "auth"])
def test_generated_input_gets_declared_answers_and_no_server_error(
    start: Start, served_copy: Path, auth: bool
) -> None:
    deploy_default(served_copy)
    headers = {}
    if auth:
        issued = modelward(served_copy, "tokens", "create", "root", "--json", user="root")
        assert issued.returncode == 0, issued.stderr
        headers = {"authorization": f"Bearer {json.loads(issued.stdout)['token']}"}
    server = start("--auth") if auth else start()
    schema = schemathesis.openapi.from_url(f"{server.url}/openapi.json")
    labels: list[str] = []
    statuses: list[int] = []
    for found in schema.get_all_operations():
        assert isinstance(found, Ok), found
        operation = found.ok()
        labels.append(operation.label)

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def declared_answers(case: Any) -> None:
            answer = case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS)
            statuses.append(answer.status_code)

        declared_answers()
    assert "POST /v1/deployments/{name}/predict" in labels
    assert len(labels) > 30
    assert len(statuses) >= 5 * len(labels)  # really exercised, every operation
    assert max(statuses) < 500
    assert {200, 422} <= set(statuses)
