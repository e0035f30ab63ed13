"""Model versions: signed artifact bundles, stages, references."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.registry.bundle import (
        check_signature as check_signature,
    )
    from modelward.registry.records import (
        Bundle as Bundle,
        ModelVersion as ModelVersion,
        Stage as Stage,
        model_ref as model_ref,
    )
    from modelward.registry.refs import (
        ModelRef as ModelRef,
        parse_model_ref as parse_model_ref,
    )
    from modelward.registry.service import (
        get_model as get_model,
        list_models as list_models,
        load_bundle as load_bundle,
        register_model as register_model,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
