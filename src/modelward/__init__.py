"""modelward: train, govern, deploy and monitor business prediction models.

The SDK surface: `open()` a workspace, then call the use cases on it::

    import modelward
    with modelward.open() as ws:
        result = modelward.add_dataset(ws, "customers.csv", name="churn")
        audit = modelward.audit_dataset(ws, result.version.ref, target="churn")
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

# Each name is imported from its module on first use: `import modelward` (and every
# `modelward` command, whose package this is) costs nothing until a use case is called.
if TYPE_CHECKING:
    from modelward.audit import (
        AuditOptions as AuditOptions,
        StoredAudit as StoredAudit,
        audit_dataset as audit_dataset,
    )
    from modelward.datasets import (
        AddResult as AddResult,
        DatasetDiff as DatasetDiff,
        DatasetVersion as DatasetVersion,
        add_dataset as add_dataset,
        diff_versions as diff_versions,
        get_version as get_version,
        list_versions as list_versions,
        load_frame as load_frame,
    )
    from modelward.errors import (
        BackendError as BackendError,
        Conflict as Conflict,
        Forbidden as Forbidden,
        InputError as InputError,
        IntegrityError as IntegrityError,
        ModelwardError as ModelwardError,
        NotFound as NotFound,
        RateLimited as RateLimited,
        Tampered as Tampered,
        TooLarge as TooLarge,
        Unauthorized as Unauthorized,
    )
    from modelward.events import (
        ChainReport as ChainReport,
        Event as Event,
    )
    from modelward.sdk import (
        Workspace as Workspace,
        open as open,
    )
    from modelward.settings import (
        Settings as Settings,
    )
    from modelward.spec import (
        Project as Project,
        ProjectSpec as ProjectSpec,
        Task as Task,
        create_project as create_project,
        get_project as get_project,
        list_projects as list_projects,
        load_spec_file as load_spec_file,
        parse_spec as parse_spec,
        update_project as update_project,
    )
    from modelward.tracking import (
        ActiveRun as ActiveRun,
        MetricPoint as MetricPoint,
        Run as Run,
        RunStatus as RunStatus,
        get_run as get_run,
        list_runs as list_runs,
    )
    from modelward.workspace import (
        init_workspace as init_workspace,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
