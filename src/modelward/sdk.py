"""The Python SDK's workspace: the kernel's Workspace plus the stage use cases as methods.

Stages cannot be imported by the kernel (layers run one way), so the convenience methods a
notebook user expects (`ws.start_run(...)`) live here, on top of both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelward.tracking import ActiveRun, start_run
from modelward.workspace import Workspace as KernelWorkspace, open_workspace

if TYPE_CHECKING:
    from collections.abc import Sequence

    import polars as pl

    from modelward.evaluation import LocalExplanations
    from modelward.model import StoredEvaluation
    from modelward.review import Review, StageChange
    from modelward.training import TrainResult


class Workspace(KernelWorkspace):
    """An open workspace with the SDK's methods. Close it, or use it in a `with` block."""

    def start_run(
        self,
        *,
        name: str | None = None,
        project: str | None = None,
        dataset: str | None = None,
        tags: dict[str, str] | None = None,
        seed: int | None = None,
    ) -> ActiveRun:
        """Log your own training: `with ws.start_run(name="x") as run: run.log_metric(...)`."""
        return start_run(self, name=name, project=project, dataset=dataset, tags=tags, seed=seed)

    def train(self, data: str, **options: Any) -> TrainResult:
        """`modelward train` from Python: `ws.train("churn.csv", target="churn", budget=60)`.

        Keyword options are those of `TrainOptions` (target, task, budget, trials, metric,
        project, sensitive, seed, interpretable, families, executor, ray_address, workers;
        for `task="forecast"`: time_column, horizon, group_columns, covariates, country).
        """
        # The model libraries load on first use, so `import modelward` stays quick.
        from modelward.spec import Task
        from modelward.training import TrainOptions, train

        if isinstance(options.get("task"), str):
            options["task"] = Task(options["task"])
        return train(self, data, TrainOptions(**options))

    def predict(
        self,
        model: str,
        frame: pl.DataFrame,
        *,
        ignore_extra: bool = False,
        keep: Sequence[str] = (),
    ) -> pl.DataFrame:
        """Score a frame with a registered model: `keep` columns first, then `prediction` (the
        most probable class, or the value), `proba_<label>` per class and, for classification,
        `decision` (the action under the approved policy), as `modelward predict` and a server
        answer."""
        from modelward.model import cached_runtime

        return cached_runtime(self, model).predict(frame, ignore_extra=ignore_extra, keep=keep)

    def evaluate(self, model: str) -> StoredEvaluation:
        """`modelward evaluate` from Python: the stored report, its facts and HTML blob."""
        from modelward.evaluation import evaluate_model

        return evaluate_model(self, model)

    def explain(self, model: str, frame: pl.DataFrame) -> LocalExplanations:
        """Why the model predicts what it does for each row of `frame` (SHAP, raw columns)."""
        from modelward.evaluation import explain_model

        return explain_model(self, model, frame)

    def approve(self, model: str, *, comment: str) -> Review:
        """Approve as the acting user (an approver who did not train `model`)."""
        from modelward.review import approve

        return approve(self, model, comment=comment)

    def promote(self, model: str, *, to: str | None = None) -> StageChange:
        """Move `model` forward: `to="production"` needs passing gates and an approval."""
        from modelward.registry import Stage
        from modelward.review import promote

        return promote(self, model, to=None if to is None else Stage(to))


def open(**overrides: object | None) -> Workspace:
    """Open (creating on first use) the workspace that settings and `overrides` point at."""
    kernel = open_workspace(**overrides)
    return Workspace(kernel.settings, kernel.store, kernel.blobs)
