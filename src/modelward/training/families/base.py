"""The records every model family shares: what it fits on, how, and what it hands back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from modelward.errors import InputError
from modelward.spec import Task
from modelward.training.kinds import Kind, Style

if TYPE_CHECKING:  # a loaded model never searches: scoring need not import optuna
    import optuna

    from modelward.training.families.explaining import Explain

CLASSIFICATION = frozenset({Task.BINARY, Task.MULTICLASS})
ALL_TASKS = frozenset({Task.BINARY, Task.MULTICLASS, Task.REGRESSION})


@dataclass(frozen=True)
class FitData:
    """Encoded rows to fit on. `X` is float64 (n, p) with NaN for missing values.

    `y` holds class indices 0..K-1 (classification) or float64 values (regression).
    `categorical` lists the columns of `X` holding integer category codes (>= 0, NaN missing).
    `X_valid`/`y_valid` are early-stopping rows, used by boosted families only.
    """

    task: Task
    X: np.ndarray
    y: np.ndarray
    n_classes: int
    feature_names: tuple[str, ...]
    categorical: tuple[int, ...] = ()
    X_valid: np.ndarray | None = None
    y_valid: np.ndarray | None = None
    sample_weight: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.task not in ALL_TASKS:
            raise InputError.field("task", str(self.task), "binary, multiclass or regression")
        if self.X.ndim != 2 or len(self.X) != len(self.y) or len(self.y) == 0:
            raise InputError.field("X", self.X.shape, f"a 2-D matrix with {len(self.y)} rows")
        if len(self.feature_names) != self.X.shape[1]:
            raise InputError.field(
                "feature_names", len(self.feature_names), f"{self.X.shape[1]} names"
            )
        if any(not 0 <= c < self.X.shape[1] for c in self.categorical):
            raise InputError.field("categorical", self.categorical, "column indices of X")
        if self.sample_weight is not None and self.sample_weight.shape != (len(self.y),):
            raise InputError.field("sample_weight", self.sample_weight.shape, "one weight a row")
        self._check_classes()
        self._check_valid()

    def _check_classes(self) -> None:
        expected = {Task.REGRESSION: 0, Task.BINARY: 2}.get(self.task)
        wrong = self.n_classes < 3 if expected is None else self.n_classes != expected
        if wrong:
            raise InputError.field("n_classes", self.n_classes, f"the class count of a {self.task}")

    def _check_valid(self) -> None:
        if self.X_valid is None and self.y_valid is None:
            return
        if self.X_valid is None or self.y_valid is None:
            raise InputError.field("X_valid", "one of X_valid, y_valid", "both or neither")
        if self.X_valid.shape[1:] != self.X.shape[1:] or len(self.X_valid) != len(self.y_valid):
            raise InputError.field(
                "X_valid", self.X_valid.shape, f"{self.X.shape[1]} columns, one label a row"
            )

    @property
    def is_classification(self) -> bool:
        return self.task in CLASSIFICATION

    @property
    def n_features(self) -> int:
        return int(self.X.shape[1])


@dataclass(frozen=True)
class FitOptions:
    """How to fit: seed and threads fix the result; `deadline` (a time.time()) and `rounds`
    bound boosting. `rounds` overrides the params' round count and turns early stopping off.
    """

    seed: int
    threads: int = 1
    deadline: float | None = None
    rounds: int | None = None

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise InputError.field("threads", self.threads, "an integer >= 1")
        if self.rounds is not None and self.rounds < 1:
            raise InputError.field("rounds", self.rounds, "an integer >= 1 or None")


@dataclass(frozen=True)
class Artifact:
    """A saved model: `format` is onnx, lightgbm, xgboost, catboost, skops or json.

    `trusted` lists, for skops, the type names loading must trust; it is recorded with the
    artifact so that loading trusts exactly those and nothing found later in the bytes.
    """

    format: str
    filename: str
    data: bytes
    trusted: tuple[str, ...] = ()


class Model(Protocol):
    """A fitted model, or one loaded back, that predicts from encoded rows.

    `predict` returns (n, K) float64 probabilities (rows sum to 1, binary too) for
    classification and (n,) float64 values for regression.
    """

    @property
    def family(self) -> str: ...

    def predict(self, x: np.ndarray) -> np.ndarray: ...

    @property
    def rounds(self) -> int | None:
        """Boosting rounds kept (best iteration + 1 under early stopping); None if not boosted."""
        ...


class FittedModel(Model, Protocol):
    """A model just fitted: it can also be exported."""

    def export(self) -> Artifact:
        """The native (or skops / json) artifact: always available."""
        ...

    def export_onnx(self) -> Artifact | None:
        """ONNX where a converter handles this model, else None (never raises for that)."""
        ...


@dataclass(frozen=True)
class SpaceContext:
    """What a search space may depend on. `imbalanced`: the minority class share is < 0.2."""

    task: Task
    n_rows: int
    n_features: int
    n_classes: int
    imbalanced: bool
    n_categorical: int = 0  # of the features, those a tree family splits on as categories


Params = dict[str, Any]


@dataclass(frozen=True)
class Family:
    """A registered kind of model: its search space, how it fits and how it loads back.

    `space` names its Optuna parameters "<name>.<param>" so that families never clash, and
    returns the un-prefixed parameters (JSON values only) that `fit` accepts.
    """

    name: str
    kind: Kind
    style: Style
    tasks: frozenset[Task]
    summary: str
    boosted: bool
    defaults: Callable[[SpaceContext], Params]
    space: Callable[[optuna.Trial, SpaceContext], Params]
    fit: Callable[[Params, FitData, FitOptions], FittedModel]
    load: Callable[[Artifact], Model]
    # Exact SHAP contributions of one model (see `explaining`); None: permutation SHAP.
    explain: Explain | None = None
    # The explainer measures against the model's own training rows (the base values it
    # carries), so explaining needs no background rows from the caller.
    own_base: bool = False
    # A warm start: (model, its params, new rows, options with a rounds ceiling) -> the model
    # grown on from where it stopped, its trees unchanged. None: only a full retrain.
    continue_fit: Callable[[Model, Params, FitData, FitOptions], FittedModel] | None = None
