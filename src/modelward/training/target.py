"""The target column: which task it poses, its classes, and its encoding as numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from modelward.errors import InputError
from modelward.spec import Task

MIN_ROWS = 20
MAX_CLASSES = 200
# Integer targets with at most this many distinct values read as classes, not quantities.
MAX_INTEGER_CLASSES = 20
POSITIVE_NAMES = ("yes", "true", "1", "y", "positive", "churn", "churned", "default", "fraud")

Label = str | int | float | bool


@dataclass(frozen=True)
class Target:
    """The target of a training job: its column, task and, for classification, its classes.

    `classes` are in index order: class `i` is encoded as `i`. For a binary task `classes[1]` is
    the positive class (the one whose probability `proba_<label>` a business acts on).
    """

    column: str
    task: Task
    classes: tuple[Label, ...] = ()

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    @property
    def is_classification(self) -> bool:
        """Predictions are labels with probabilities (segments: memberships of segments)."""
        return self.task in (Task.BINARY, Task.MULTICLASS, Task.SEGMENT)

    @property
    def positive(self) -> Label | None:
        return self.classes[1] if self.task is Task.BINARY else None

    def encode(self, values: pl.Series) -> np.ndarray:
        """Labels as class indices (int64) or, for regression, as float64 values."""
        if not self.is_classification:
            return values.cast(pl.Float64).to_numpy()
        # Cast the classes like the values, so that True and "true" meet as the same key.
        keys = pl.Series(list(self.classes), dtype=values.dtype, strict=False).cast(pl.String)
        mapping = {key: i for i, key in enumerate(keys.to_list())}
        codes = values.cast(pl.String).replace_strict(mapping, default=None, return_dtype=pl.Int64)
        if codes.null_count():
            raise InputError.field(f"target {self.column}", "an unseen label", "known classes")
        return codes.to_numpy()

    def to_json(self) -> dict[str, Any]:
        return {"column": self.column, "task": self.task.value, "classes": list(self.classes)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Target:
        return cls(str(data["column"]), Task(data["task"]), tuple(data.get("classes", ())))


def detect_target(
    frame: pl.DataFrame, column: str, *, task: Task = Task.AUTO, positive: Label | None = None
) -> Target:
    """Decide the task from the target's values (or check the requested one) and its classes.

    Rows with a missing target are the caller's to drop; they do not count here.
    """
    values = _present_values(frame, column)
    chosen = _infer_task(values) if task is Task.AUTO else _check_task(values, task)
    if chosen is Task.REGRESSION:
        return Target(column, chosen)
    labels = _labels(values)
    if chosen is Task.BINARY:
        labels = _order_binary(labels, positive, column)
    return Target(column, chosen, tuple(labels))


def _present_values(frame: pl.DataFrame, column: str) -> pl.Series:
    if column not in frame.columns:
        raise InputError.field("--target", column, f"one of the data's columns: {_few(frame)}")
    values = frame[column].drop_nulls()
    if values.dtype.is_float():
        values = values.filter(values.is_not_nan())
    if values.len() == 0:
        raise InputError.field(
            "--target", column, f"a column with values; all {frame.height} are missing"
        )
    if values.len() < MIN_ROWS:
        raise InputError.field(
            "data", f"{values.len()} row(s) with a target value", f"at least {MIN_ROWS} rows"
        )
    distinct = values.n_unique()
    if distinct < 2:
        raise InputError.field(
            "--target",
            column,
            f"at least two different values; every row is {values[0]!r} (one class)",
        )
    return values


def _infer_task(values: pl.Series) -> Task:
    distinct = values.n_unique()
    if distinct == 2:
        return Task.BINARY
    if values.dtype.is_float():
        return Task.REGRESSION
    if values.dtype.is_integer():
        return Task.MULTICLASS if distinct <= MAX_INTEGER_CLASSES else Task.REGRESSION
    return Task.MULTICLASS


def _check_task(values: pl.Series, task: Task) -> Task:
    if task not in (Task.BINARY, Task.MULTICLASS, Task.REGRESSION):
        raise InputError.field("--task", task.value, "auto, binary, multiclass or regression here")
    distinct = values.n_unique()
    if task is Task.REGRESSION and not values.dtype.is_numeric():
        raise InputError.field("--task", "regression", f"a numeric target; got {values.dtype}")
    if task is Task.BINARY and distinct != 2:
        raise InputError.field("--task", "binary", f"two classes; the target has {distinct}")
    if task is Task.MULTICLASS and distinct > MAX_CLASSES:
        raise InputError.field("--task", "multiclass", f"at most {MAX_CLASSES} classes")
    return task


def _labels(values: pl.Series) -> list[Label]:
    distinct = values.unique().sort()
    if distinct.len() > MAX_CLASSES:
        raise InputError.field(
            "--target", values.name, f"at most {MAX_CLASSES} classes, or --task regression"
        )
    return [_plain(v) for v in distinct.to_list()]


def _order_binary(labels: list[Label], positive: Label | None, column: str) -> list[Label]:
    """Put the positive class second: the spec's choice, else a name that reads as positive."""
    if positive is not None:
        matches = [label for label in labels if str(label) == str(positive)]
        if not matches:
            shown = ", ".join(repr(label) for label in labels)
            raise InputError.field("positive_label", positive, f"one of {column}'s values {shown}")
        chosen = matches[0]
    else:
        named = [label for label in labels if str(label).strip().lower() in POSITIVE_NAMES]
        chosen = named[0] if len(named) == 1 else labels[1]
    return [next(label for label in labels if label != chosen), chosen]


def _plain(value: object) -> Label:
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _few(frame: pl.DataFrame) -> str:
    names = frame.columns[:8]
    more = "" if frame.width <= 8 else f", ... ({frame.width} in all)"
    return ", ".join(names) + more
