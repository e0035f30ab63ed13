"""`modelward retrain`: a challenger for a deployment's champion, with the forgetting guard."""

from __future__ import annotations

import typer

from modelward.cli.context import JSON_OPTION, output, workspace


def retrain_command(
    ctx: typer.Context,
    deployment: str = typer.Argument(..., help="The deployment whose champion to challenge."),
    data: str | None = typer.Option(
        None, "--data", help="New data (a dataset reference); default: the newest version."
    ),
    budget: float | None = typer.Option(None, "--budget", help="Training seconds."),
    trials: int | None = typer.Option(None, "--trials", help="Searched trials instead."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    full: bool = typer.Option(
        False, "--full", help="A full retrain even where the champion could be warm-started."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Train a challenger on new data plus the memory of older data; guard against forgetting.

    A LightGBM champion is warm-started (keeps its trees, boosts on); others retrain in full.
    """
    from modelward.retraining import retrain

    with workspace(ctx) as ws:
        result = retrain(
            ws, deployment, data=data, budget=budget, trials=trials, seed=seed, warm=not full
        )

    def said() -> str:
        verdict = "ARCHIVED (forgot too much)" if result.archived else "candidate for review"
        return (
            f"{result.challenger} challenges {result.champion} on {result.deployment}: "
            f"{verdict}\n{result.sentence}\n{result.guard.sentence}\n"
            f"trained on {result.training_data} (new data {result.data} + memory "
            f"{result.memory})\nnext: {result.to_json()['next']}"
        )

    output(as_json).result(result.to_json(), said)
