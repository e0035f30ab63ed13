"""Fixtures of the registry tests: a workspace with two projects, and a registrar of bundles."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import modelward
from modelward.registry import ModelVersion, register_model
from modelward.spec import parse_spec

Register = Callable[..., ModelVersion]

FILES = {"model.onnx": b"\x08\x07onnx graph bytes" * 50, "encoder.json": b'{"columns": ["tenure"]}'}


@pytest.fixture
def ws(tmp_path: Path, store_url: str) -> Iterator[modelward.Workspace]:
    with modelward.open(home=tmp_path / "ws", store_url=store_url, actor="ana") as opened:
        _projects(opened)
        yield opened


@pytest.fixture
def register(ws: modelward.Workspace) -> Register:
    return registrar(ws)


def registrar(ws: modelward.Workspace) -> Register:
    """Register a small bundle; keyword arguments override the defaults."""

    def _register(**overrides: Any) -> ModelVersion:
        options: dict[str, Any] = {
            "project": "churn",
            "run_uid": None,
            "task": "binary",
            "metric": "roc_auc",
            "score": 0.84,
            "summary": {"members": [{"family": "lightgbm", "weight": 1.0}]},
            "input_schema": {"columns": [{"name": "tenure", "dtype": "Int64"}]},
            "output_schema": {"columns": [{"name": "prediction"}]},
            "manifest": {"format": "modelward.bundle/1", "metric": "roc_auc"},
            "files": FILES,
        }
        options.update(overrides)
        return register_model(ws, **options)

    return _register


def _projects(ws: modelward.Workspace) -> None:
    for name, task, target in (("churn", "binary", "churned"), ("prices", "regression", "y")):
        modelward.create_project(ws, parse_spec({"name": name, "task": task, "target": target}))
