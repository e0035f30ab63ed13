"""Review: policy gates, approvals with separation of duties, stage moves, production history."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.review.auditbundle import (
        AuditExport as AuditExport,
        export_audit as export_audit,
    )
    from modelward.review.blobcheck import (
        check_blobs as check_blobs,
    )
    from modelward.review.card import (
        model_card as model_card,
    )
    from modelward.review.facts import (
        gate_report as gate_report,
        model_facts as model_facts,
    )
    from modelward.review.gates import (
        GateReport as GateReport,
        GateResult as GateResult,
        check_gates as check_gates,
    )
    from modelward.review.history import (
        ProductionSpell as ProductionSpell,
        in_production_at as in_production_at,
        production_history as production_history,
    )
    from modelward.review.pipeline import (
        Trained as Trained,
        train_and_review as train_and_review,
    )
    from modelward.review.records import (
        Decision as Decision,
        Review as Review,
        StageChange as StageChange,
    )
    from modelward.review.service import (
        approve as approve,
        archive as archive,
        promote as promote,
        reject as reject,
        release_problems as release_problems,
        replaced_version as replaced_version,
        reviews_of as reviews_of,
        rollback_production as rollback_production,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
