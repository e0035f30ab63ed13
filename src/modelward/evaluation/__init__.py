"""Evaluation: what a model is worth, measured honestly on rows it did not train on."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.evaluation.bootstrap import (
        Interval as Interval,
        mean_ci as mean_ci,
    )
    from modelward.evaluation.business import (
        business_summary as business_summary,
    )
    from modelward.evaluation.explain import (
        LocalExplanations as LocalExplanations,
    )
    from modelward.evaluation.mitigation.service import (
        MitigationResult as MitigationResult,
        mitigate_model as mitigate_model,
    )
    from modelward.evaluation.numbers import (
        json_float as json_float,
        json_sig as json_sig,
        money as money,
    )
    from modelward.evaluation.performance import (
        fmt as fmt,
        metric_label as metric_label,
    )
    from modelward.evaluation.policy_grid import (
        row_values as row_values,
    )
    from modelward.evaluation.service import (
        evaluate_model as evaluate_model,
        evaluation_html as evaluation_html,
        explain_model as explain_model,
        get_evaluation as get_evaluation,
        policy_note as policy_note,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
