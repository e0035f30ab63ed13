"""The model runtime: load a version, predict, and decide under its approved policy.

One path for every caller (batch scoring, the SDK, the server, monitoring, retraining), below
evaluation and serving and above training, whose model families it loads: `runtime` (the
loaded model), `policy` (deciding), `batch` (scoring a file), `evaluations` (the stored
evaluation the policy comes from), `returns` (ROI, one definition). Other stages import from
this face, which imports no model library until a name that needs one is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.model.batch import (
        PredictResult as PredictResult,
        predict_file as predict_file,
    )
    from modelward.model.evaluations import (
        StoredEvaluation as StoredEvaluation,
        latest_evaluation as latest_evaluation,
        policy_evaluation as policy_evaluation,
        save_evaluation as save_evaluation,
    )
    from modelward.model.policy import (
        DEFAULT_THRESHOLD as DEFAULT_THRESHOLD,
        UNREACHABLE_THRESHOLD as UNREACHABLE_THRESHOLD,
        DecisionPolicy as DecisionPolicy,
        Source as Source,
        where_acting as where_acting,
    )
    from modelward.model.reference import (
        EVERYONE as EVERYONE,
        INCUMBENT as INCUMBENT,
        NOBODY as NOBODY,
        REFERENCE_NAMES as REFERENCE_NAMES,
        reference_acts as reference_acts,
        reference_keys as reference_keys,
    )
    from modelward.model.report import (
        EvaluationReport as EvaluationReport,
        ValueExpected as ValueExpected,
    )
    from modelward.model.returns import (
        MONTHS_PER_YEAR as MONTHS_PER_YEAR,
        Returns as Returns,
        amount as amount,
        compute_returns as compute_returns,
        people_cost as people_cost,
    )
    from modelward.model.runtime import (
        ModelRuntime as ModelRuntime,
        cached_runtime as cached_runtime,
        load_runtime as load_runtime,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
