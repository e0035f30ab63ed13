"""Helpers for audit tests: a context factory with a fixed clock, and finding lookups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import polars as pl
import pytest

from modelward.audit import AuditContext, Finding, get_check

NOW = datetime(2024, 6, 1, tzinfo=UTC)

# Test modules repeat these aliases: a conftest is not importable as a module.
MakeContext = Callable[..., AuditContext]
RunCheck = Callable[..., list[Finding]]


@pytest.fixture
def make_ctx() -> MakeContext:
    def make(frame: pl.DataFrame, **options: Any) -> AuditContext:
        options.setdefault("now", NOW)
        return AuditContext(frame, **options)

    return make


@pytest.fixture
def run_check(make_ctx: MakeContext) -> RunCheck:
    """Run one registered check by name on a frame (options as for `AuditContext`)."""

    def run(name: str, frame: pl.DataFrame, **options: Any) -> list[Finding]:
        return get_check(name).run(make_ctx(frame, **options))

    return run
