"""One row through LightGBM's single-row C API, for the serving hot path.

`Booster.predict` builds a predictor, parses its parameters and checks the input on every call:
about 50 microseconds before the trees are walked, which is most of a one-row request's model
time. LightGBM's `PredictForMatSingleRowFast` prepares that once (`...FastInit`) and then costs
a few microseconds plus the trees. Its numbers are those of `Booster.predict` (the same
predictor walks the same trees); a test holds the two equal.

The C API is reached through the library handle the `lightgbm` package loaded; where that is
missing (another LightGBM version lays itself out differently), `SingleRow.of` answers None and
callers use `Booster.predict`.
"""

from __future__ import annotations

import ctypes
import threading
import weakref
from typing import Any

import lightgbm as lgb
import numpy as np

PREDICT_NORMAL = 0  # C_API_PREDICT_NORMAL: with the objective's transform, as `predict`
DTYPE_FLOAT64 = 1  # C_API_DTYPE_FLOAT64


class SingleRow:
    """A prepared one-row predictor of a booster. Thread-safe (one call at a time)."""

    def __init__(self, lib: Any, config: ctypes.c_void_p, features: int, outputs: int) -> None:
        self._lib = lib
        self._config = config
        self.features = features
        self.outputs = outputs
        self._lock = threading.Lock()
        # Buffers reused under the lock: their pointers are made once, not per call.
        self._row = np.empty(features, dtype=np.float64)
        self._out = np.empty(outputs, dtype=np.float64)
        self._row_at = self._row.ctypes.data_as(ctypes.c_void_p)
        self._out_at = self._out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))
        self._length = ctypes.c_int64()
        self._length_at = ctypes.byref(self._length)

    @classmethod
    def of(cls, booster: lgb.Booster) -> SingleRow | None:
        """The prepared predictor, or None where this LightGBM does not offer it."""
        lib = _library()
        handle = getattr(booster, "_handle", None)
        if lib is None or handle is None:
            return None
        features = booster.num_feature()
        config = ctypes.c_void_p()
        done = lib.LGBM_BoosterPredictForMatSingleRowFastInit(
            handle,
            ctypes.c_int(PREDICT_NORMAL),
            ctypes.c_int(0),  # start iteration
            ctypes.c_int(-1),  # every iteration (the booster keeps only its best)
            ctypes.c_int(DTYPE_FLOAT64),
            ctypes.c_int32(features),
            b"num_threads=1",
            ctypes.byref(config),
        )
        if done != 0:
            return None
        found = cls(lib, config, features, booster.num_model_per_iteration())
        # The booster outlives the prepared config: the finalizer holds both, frees the config.
        weakref.finalize(found, _free, lib, config, booster)
        return found

    def predict(self, row: np.ndarray) -> np.ndarray:
        """`Booster.predict` of one float64 row: shape (1,) or (1, outputs)."""
        with self._lock:
            self._row[:] = row
            done = self._lib.LGBM_BoosterPredictForMatSingleRowFast(
                self._config, self._row_at, self._length_at, self._out_at
            )
            written, out = self._length.value, self._out.copy()
        if done != 0 or written != self.outputs:
            raise RuntimeError(f"LightGBM single-row predict failed: {_last_error(self._lib)}")
        return out if self.outputs == 1 else out.reshape(1, self.outputs)


def _library() -> Any:
    lib = getattr(lgb.basic, "_LIB", None)  # the library `lightgbm` loaded (not public API)
    fast = getattr(lib, "LGBM_BoosterPredictForMatSingleRowFast", None)
    return lib if fast is not None else None


def _free(lib: Any, config: ctypes.c_void_p, booster: lgb.Booster) -> None:
    del booster  # held until here so that the config never outlives it
    lib.LGBM_FastConfigFree(config)


def _last_error(lib: Any) -> str:
    message = lib.LGBM_GetLastError()
    return message.decode(errors="replace") if isinstance(message, bytes) else str(message)
