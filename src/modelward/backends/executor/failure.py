"""An exception raised by a trial function in a worker process, on its way back to the caller."""

from __future__ import annotations

import pickle
import traceback
from dataclasses import dataclass
from typing import NoReturn

from modelward.errors import BackendError


@dataclass(frozen=True)
class Failure:
    """What the caller needs to raise the worker's exception again: the exception itself when it
    survives pickling, else its type name and text; the worker's traceback in both cases."""

    kind: str
    text: str
    trace: str
    error: Exception | None

    @classmethod
    def of(cls, exc: Exception) -> Failure:
        trace = "".join(traceback.format_exception(exc))
        return cls(type(exc).__name__, str(exc), trace, _portable(exc))

    def raise_again(self, where: str) -> NoReturn:
        """Raise the original exception, the worker's traceback as a note; else a BackendError."""
        if self.error is not None:
            self.error.add_note(f"raised in {where}; its traceback there:\n{self.trace}")
            raise self.error
        raise BackendError(
            f"the trial function raised {self.kind}: {self.text} (in {where}; the exception "
            "could not be sent back as it is)"
        )


def _portable(exc: Exception) -> Exception | None:
    """`exc` if the caller can rebuild it from pickle, else None."""
    try:
        # A round trip of an object this process has just made: it proves the parent's unpickling
        # will work (an __init__ with other arguments than `args` fails only when loading).
        pickle.loads(pickle.dumps(exc))  # noqa: S301
    except Exception:
        return None
    return exc
