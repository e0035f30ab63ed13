"""Choosing an executor: kinds, options and their errors."""

from __future__ import annotations

import os
import sys

import pytest

from modelward.backends.executor import open_executor
from modelward.errors import InputError


def test_local_is_the_default_with_one_worker_per_cpu() -> None:
    executor = open_executor()
    assert (executor.name, executor.workers) == ("local", os.cpu_count())
    executor.close()


def test_an_unknown_kind_is_an_input_error() -> None:
    with pytest.raises(InputError, match="--executor: got 'spark'; expected local or ray"):
        open_executor("spark")


def test_workers_must_be_positive() -> None:
    with pytest.raises(InputError, match="--workers: got 0; expected a whole number >= 1"):
        open_executor("local", workers=0)


def test_an_address_is_only_for_ray() -> None:
    with pytest.raises(InputError, match="--ray-address: got 'auto'; expected no address"):
        open_executor("local", address="auto")


def test_ray_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if not installed
    with pytest.raises(InputError, match=r"pip install 'modelward\[ray\]'"):
        open_executor("ray", workers=2)
