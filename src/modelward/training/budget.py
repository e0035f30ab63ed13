"""The wall-clock budget of a training job, the final refit included.

The search stops early enough to leave time for the refit, the export and the registration,
estimated from the best trial so far; boosting in the refit stops at a hard deadline, so a
job ends within 10% of its budget even when the estimate is off.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelward.errors import InputError

if TYPE_CHECKING:
    from modelward.training.search import SearchState

FIXED_SECONDS = 4.0  # export, ONNX checks, scan, registration: 3.5-4 s measured on 2 busy cores
REFIT_FACTOR = 3.0  # all rows instead of a fold's, and maybe a few ensemble members
MIN_SHARE, MAX_SHARE = 0.08, 0.5
REFIT_GRACE = 1.05


@dataclass(frozen=True)
class Budget:
    started: float
    seconds: float | None

    @property
    def end(self) -> float | None:
        return None if self.seconds is None else self.started + self.seconds

    @property
    def refit_deadline(self) -> float | None:
        return None if self.seconds is None else self.started + self.seconds * REFIT_GRACE

    def elapsed(self) -> float:
        return time.time() - self.started

    def reserve(self, state: SearchState) -> float:
        """Seconds to keep for everything after the search."""
        if self.seconds is None:
            return 0.0
        best = state.best
        per_fold = 0.0 if best is None else best.fit_seconds / max(1, len(best.fold_scores))
        wanted = FIXED_SECONDS + REFIT_FACTOR * per_fold
        return min(max(wanted, MIN_SHARE * self.seconds), MAX_SHARE * self.seconds)

    def nothing_finished(self, state: SearchState) -> InputError:
        tried = len(state.outcomes)
        return InputError.field(
            "--budget",
            self.seconds,
            f"more seconds: none of the {tried} trial(s) started finished in time "
            "(try --budget 60, or --trials N with no time limit)",
        )
