"""`modelward ledger`: one JSON document, or a table per project and the portfolio.

The command is mounted on a small app with the same `--home` flag, as `cli/app.py` mounts it.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from modelward.cli.context import state
from modelward.cli.ledger import ledger_command
from tests.unit.ledger.conftest import Scenario

app = typer.Typer()


@app.callback()
def _root(ctx: typer.Context, home: Path = typer.Option(..., "--home")) -> None:
    state(ctx).overrides.update(home=home)


app.command("ledger")(ledger_command)


def invoke(home: Path, *args: str) -> typer.testing.Result:
    return CliRunner().invoke(app, ["--home", str(home), "ledger", *args])


def test_json_is_one_document_with_projects_and_portfolio(scenario: Scenario) -> None:
    result = invoke(scenario.home, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["project"] for p in data["projects"]] == ["churn", "shop", "(no project)"]
    churn = data["projects"][0]
    v1 = churn["models"][0]
    assert v1["value"]["outcomes"]["true_positive"] == 3
    assert v1["usage"]["requests"] == 1500
    assert [h["kind"] for h in churn["hidden_costs"]] == ["other_runs", "datasets", "monitoring"]
    assert {t["currency"] for t in data["portfolio"]} == {"EUR", "USD"}
    usd = next(t for t in data["portfolio"] if t["currency"] == "USD")
    assert usd["value"] == -216.0  # beyond acting on everyone on the same rows


def test_project_filter(scenario: Scenario) -> None:
    result = invoke(scenario.home, "--project", "shop", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [p["project"] for p in data["projects"]] == ["shop"]
    assert [t["currency"] for t in data["portfolio"]] == ["EUR"]


def test_tables_show_models_hidden_costs_and_the_portfolio(scenario: Scenario) -> None:
    result = invoke(scenario.home)
    assert result.exit_code == 0, result.output
    text = result.stdout
    for expected in (
        "churn (USD)",
        "shop (EUR)",
        "churn/v1",
        "other runs",
        "monitoring",
        "portfolio",
        "energy ~",
        "Assumptions",
    ):
        assert expected in text
