"""modelward: train, govern, deploy and monitor business prediction models.

The SDK surface: `open()` a workspace, then call the use cases on it.
"""

from modelward.errors import (
    BackendError,
    Conflict,
    InputError,
    IntegrityError,
    ModelwardError,
    NotFound,
)
from modelward.settings import Settings
from modelward.workspace import Workspace, init_workspace
from modelward.workspace import open_workspace as open

__all__ = [
    "BackendError",
    "Conflict",
    "InputError",
    "IntegrityError",
    "ModelwardError",
    "NotFound",
    "Settings",
    "Workspace",
    "init_workspace",
    "open",
]
