"""Backends: the metadata store, the blob store and (later) executors, each behind a small
interface chosen by a URL."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.backends.s3errors import (
        CREDENTIALS_FIX as CREDENTIALS_FIX,
        Kind as Kind,
        diagnose as diagnose,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
