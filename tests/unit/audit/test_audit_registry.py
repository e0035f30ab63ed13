from __future__ import annotations

from collections.abc import Callable, Iterator

import polars as pl
import pytest

import modelward.audit as audit
from modelward.audit import AuditContext, Finding, Severity, check, registered_checks, run_audit
from modelward.audit.registry import REGISTRY, CheckRegistry
from modelward.errors import Conflict, InputError

MakeContext = Callable[..., AuditContext]

BUILT_INS = {
    "missing_values",
    "type_consistency",
    "duplicates",
    "constant_columns",
    "high_cardinality",
    "id_columns",
    "outliers",
    "class_imbalance",
    "target_leakage",
    "staleness",
    "representativeness",
    "sensitive_proxies",
    "pii",
    "drift",
    "schema_changes",
}


def test_every_built_in_is_registered_with_a_one_line_description() -> None:
    infos = {info.name: info for info in registered_checks()}
    assert set(infos) >= BUILT_INS
    for info in infos.values():
        assert info.description.endswith(".")
        assert "\n" not in info.description


def test_public_api_is_listed() -> None:
    modules = {n for n in dir(audit) if isinstance(getattr(audit, n), type(audit))}
    public = {n for n in dir(audit) if not n.startswith("_")} - modules
    assert sorted(audit.__all__) == sorted(public)


@pytest.fixture
def plugin() -> Iterator[str]:
    """A check registered like a plugin's, removed again after the test."""

    @check("test_plugin_wide_table")
    def wide_table(ctx: AuditContext) -> list[Finding]:
        """Tables with more than two columns."""
        if ctx.frame.width > 2:
            return [Finding("test_plugin_wide_table", Severity.INFO, "wide")]
        return []

    yield "test_plugin_wide_table"
    REGISTRY.unregister("test_plugin_wide_table")


def test_a_plugin_check_runs_with_the_built_ins(plugin: str, make_ctx: MakeContext) -> None:
    assert plugin in {info.name for info in registered_checks()}
    report = run_audit(make_ctx(pl.DataFrame({"a": [1], "b": [2], "c": [3]})))
    assert plugin in report.checks_run
    assert any(f.check == plugin for f in report.findings)


def test_registration_refuses_a_taken_name_and_a_missing_docstring() -> None:
    registry = CheckRegistry()

    def first(ctx: AuditContext) -> list[Finding]:
        """One."""
        return []

    def second(ctx: AuditContext) -> list[Finding]:
        return []

    registry.register("x")(first)
    with pytest.raises(Conflict, match="audit check 'x' is already registered"):
        registry.register("x")(second)
    with pytest.raises(InputError, match="add a one-line docstring"):
        registry.register("y")(second)


def test_unknown_check_name_is_an_input_error(make_ctx: MakeContext) -> None:
    with pytest.raises(InputError, match="check: got 'nope'; expected one of missing_values"):
        run_audit(make_ctx(pl.DataFrame({"a": [1]})), ["missing_values", "nope"])
