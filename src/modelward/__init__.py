"""modelward: train, govern, deploy and monitor business prediction models.

The SDK surface: `open()` a workspace, then call the use cases on it::

    import modelward
    with modelward.open() as ws:
        result = modelward.add_dataset(ws, "customers.csv", name="churn")
        audit = modelward.audit_dataset(ws, result.version.ref, target="churn")
"""

from modelward.audit.service import AuditOptions, StoredAudit, audit_dataset
from modelward.datasets import (
    AddResult,
    DatasetDiff,
    DatasetVersion,
    add_dataset,
    diff_versions,
    get_version,
    list_versions,
    load_frame,
)
from modelward.errors import (
    BackendError,
    Conflict,
    Forbidden,
    InputError,
    IntegrityError,
    ModelwardError,
    NotFound,
    RateLimited,
    Tampered,
    TooLarge,
    Unauthorized,
)
from modelward.events import ChainReport, Event
from modelward.sdk import Workspace, open
from modelward.settings import Settings
from modelward.spec import ProjectSpec, Task, load_spec_file, parse_spec
from modelward.spec.service import (
    Project,
    create_project,
    get_project,
    list_projects,
    update_project,
)
from modelward.tracking import ActiveRun, MetricPoint, Run, RunStatus, get_run, list_runs
from modelward.workspace import init_workspace

__all__ = [
    "ActiveRun",
    "AddResult",
    "AuditOptions",
    "BackendError",
    "ChainReport",
    "Conflict",
    "DatasetDiff",
    "DatasetVersion",
    "Event",
    "Forbidden",
    "InputError",
    "IntegrityError",
    "MetricPoint",
    "ModelwardError",
    "NotFound",
    "Project",
    "ProjectSpec",
    "RateLimited",
    "Run",
    "RunStatus",
    "Settings",
    "StoredAudit",
    "Tampered",
    "Task",
    "TooLarge",
    "Unauthorized",
    "Workspace",
    "add_dataset",
    "audit_dataset",
    "create_project",
    "diff_versions",
    "get_project",
    "get_run",
    "get_version",
    "init_workspace",
    "list_projects",
    "list_runs",
    "list_versions",
    "load_frame",
    "load_spec_file",
    "open",
    "parse_spec",
    "update_project",
]
