"""The HTTP interface: FastAPI routes over the same service functions as the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.api.app import (
        ServeConfig as ServeConfig,
        create_app as create_app,
    )
    from modelward.api.guard import (
        LOOPBACK_NAMES as LOOPBACK_NAMES,
        allowed_hosts as allowed_hosts,
    )
    from modelward.api.security import (
        EdgeConfig as EdgeConfig,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
