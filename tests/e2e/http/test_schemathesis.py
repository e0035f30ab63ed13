"""Schemathesis against the live server's OpenAPI document: no generated input gives a 5xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok

from tests.e2e.http.conftest import Start, deploy_default

EXAMPLES = 25


def test_no_generated_input_gives_a_server_error(start: Start, served_copy: Path) -> None:
    deploy_default(served_copy)
    server = start()
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
        def no_server_error(case: Any) -> None:
            answer = case.call_and_validate(base_url=server.url, checks=[not_a_server_error])
            statuses.append(answer.status_code)

        no_server_error()
    assert "POST /v1/deployments/{name}/predict" in labels
    assert len(labels) > 30
    assert len(statuses) >= 5 * len(labels)  # really exercised, every operation
    assert max(statuses) < 500
    assert {200, 422} <= set(statuses)
