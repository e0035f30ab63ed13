"""The project spec: task, target, metric, gates, value model, prices, people."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.spec.load import (
        load_spec_file as load_spec_file,
        parse_spec as parse_spec,
    )
    from modelward.spec.model import (
        FAIRNESS_BOUNDED as FAIRNESS_BOUNDED,
        Forecast as Forecast,
        Gate as Gate,
        IncumbentRule as IncumbentRule,
        Monitoring as Monitoring,
        Prices as Prices,
        ProjectSpec as ProjectSpec,
        RetrainAction as RetrainAction,
        RetrainingPolicy as RetrainingPolicy,
        RetrainTrigger as RetrainTrigger,
        Segments as Segments,
        Staleness as Staleness,
        Task as Task,
    )
    from modelward.spec.service import (
        Project as Project,
        create_project as create_project,
        find_project as find_project,
        get_project as get_project,
        list_projects as list_projects,
        project_from_file as project_from_file,
        update_project as update_project,
    )
    from modelward.spec.value import (
        NO_ACTION as NO_ACTION,
        Action as Action,
        Activity as Activity,
        People as People,
        ValueModel as ValueModel,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
