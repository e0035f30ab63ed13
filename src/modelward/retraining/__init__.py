"""Retraining: challengers built without forgetting (memory set, forgetting guard)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.retraining.policies import (
        apply_policies as apply_policies,
    )
    from modelward.retraining.service import (
        retrain as retrain,
    )
    from modelward.retraining.triggers import (
        retrain_triggers as retrain_triggers,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
