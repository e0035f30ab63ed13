"""The Python SDK's workspace: the kernel's Workspace plus the stage use cases as methods.

Stages cannot be imported by the kernel (layers run one way), so the convenience methods a
notebook user expects (`ws.start_run(...)`) live here, on top of both.
"""

from __future__ import annotations

from modelward.tracking import ActiveRun, start_run
from modelward.workspace import Workspace as KernelWorkspace
from modelward.workspace import open_workspace


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


def open(**overrides: object | None) -> Workspace:
    """Open (creating on first use) the workspace that settings and `overrides` point at."""
    kernel = open_workspace(**overrides)
    return Workspace(kernel.settings, kernel.store, kernel.blobs)
