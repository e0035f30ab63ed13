from __future__ import annotations

from pathlib import Path

import pytest

from modelward.errors import InputError
from modelward.spec import ProjectSpec, Task, load_spec_file, parse_spec

EXAMPLE = Path(__file__).parents[3] / "examples" / "wa_churn" / "modelward.yaml"


def test_example_spec_loads() -> None:
    spec = load_spec_file(EXAMPLE)
    assert spec.task is Task.BINARY
    assert spec.target == "churn"
    assert spec.sensitive == ("female", "senior_citizen")
    assert spec.primary_metric == "roc_auc"
    assert spec.value is not None
    assert spec.value.outcome_values() == (310, -50, 0, 0)
    assert spec.warnings() == ()
    assert spec.action is not None
    assert spec.action.name == "retention_offer"
    assert spec.people is not None
    assert spec.fairness_bounds() == {"equal_opportunity_difference": 0.1}


def test_defaults() -> None:
    spec = parse_spec({"name": "p", "task": "regression", "target": "y"})
    assert spec.primary_metric == "rmse"
    assert spec.prices.currency == "USD"


def test_every_wrong_field_gets_its_own_line() -> None:
    data = {
        "name": "bad name",
        "task": "binary",
        "target": "churn",
        "gates": [{"metric": "roc_auc"}, {"metric": "f1", "min": "high"}],
        "value": {"currency": "dollars"},
        "colour": "red",
    }
    with pytest.raises(InputError) as caught:
        parse_spec(data, source="modelward.yaml")
    lines = caught.value.message.splitlines()
    assert lines[0] == "modelward.yaml: 5 problem(s)"
    assert any(line.strip().startswith("name: got 'bad name'; expected letters") for line in lines)
    assert any("gates.0:" in line and "min" in line for line in lines)
    assert any(line.strip().startswith("gates.1.min: got 'high'") for line in lines)
    assert any("value.currency" in line and "ISO 4217" in line for line in lines)
    assert any(line.strip().startswith("colour: got 'red'; unknown field") for line in lines)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "p", "task": "binary", "target": "y", "metric": "rmse"}, "does not fit task"),
        ({"name": "p", "task": "regression"}, "needs a `target`"),
        ({"name": "p", "task": "binary", "target": "y", "sensitive": ["y"]}, "sensitive"),
        (
            {"name": "p", "task": "binary", "target": "y", "owners": ["a"], "approvers": ["a"]},
            "independent",
        ),
        ({"name": "p", "task": "guess"}, "task: got 'guess'"),
    ],
)
def test_inconsistent_specs_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_spec(data)


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "modelward.yaml"
    path.write_text("name: p\ntask: [binary\n")
    with pytest.raises(InputError, match=r"not valid YAML.*line"):
        load_spec_file(path)


def test_spec_is_frozen() -> None:
    spec = ProjectSpec(name="p", task=Task.BINARY, target="y")
    with pytest.raises(ValueError, match="frozen"):
        spec.name = "q"  # type: ignore[misc]


@pytest.mark.parametrize(
    "gate",
    [
        {"metric": "beats_baseline", "min": float("nan")},
        {"metric": "roc_auc", "max": float("inf")},
        "roc_auc >= nan",
        "membership_auc <= inf",
    ],
)
def test_a_gate_that_cannot_fail_is_refused(gate: object) -> None:
    """`value < nan` is false for every value: such a gate would pass anything."""
    with pytest.raises(InputError, match=r"gates\.0"):
        parse_spec({"name": "p", "task": "binary", "target": "y", "gates": [gate]})


def test_non_finite_numbers_are_refused_everywhere_in_a_spec() -> None:
    value = {"cost_of_action": float("nan"), "value_of_success": 1, "success_rate": 0.5}
    with pytest.raises(InputError, match=r"value.cost_of_action: got nan"):
        parse_spec({"name": "p", "task": "binary", "target": "y", "value": value})
    with pytest.raises(InputError, match=r"prices.cpu_hour: got 'inf'; expected input should be a"):
        parse_spec({"name": "p", "task": "binary", "target": "y", "prices": {"cpu_hour": "inf"}})
