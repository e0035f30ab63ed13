"""The registry of audit checks: the one extension point of the audit.

A check is a function ``(ctx: AuditContext) -> list[Finding]`` whose one-line docstring says what
it looks for. It joins the audit with ``@check("name")``; the built-in checks in
`modelward.audit.checks` register exactly this way, as a plugin's would.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from modelward.audit.context import AuditContext
from modelward.audit.findings import Finding
from modelward.errors import Conflict, InputError

CheckFn = Callable[[AuditContext], list[Finding]]


@dataclass(frozen=True)
class CheckInfo:
    """A registered check: its name, its one-line description and the function that runs it."""

    name: str
    description: str
    run: CheckFn


class CheckRegistry:
    """Checks by name, in registration order. Registration happens at import time, once."""

    def __init__(self) -> None:
        self._checks: dict[str, CheckInfo] = {}

    def register(self, name: str) -> Callable[[CheckFn], CheckFn]:
        """Decorator adding a check: `Conflict` if the name is taken, `InputError` without a doc."""

        def add(fn: CheckFn) -> CheckFn:
            if name in self._checks and self._checks[name].run is not fn:
                raise Conflict(f"audit check {name!r} is already registered")
            doc = (fn.__doc__ or "").strip().splitlines()
            if not doc:
                raise InputError(
                    f"audit check {name!r}: add a one-line docstring saying what it checks"
                )
            self._checks[name] = CheckInfo(name=name, description=doc[0].strip(), run=fn)
            return fn

        return add

    def unregister(self, name: str) -> None:
        self._checks.pop(name, None)

    def all(self) -> tuple[CheckInfo, ...]:
        return tuple(self._checks.values())

    def get(self, name: str) -> CheckInfo:
        try:
            return self._checks[name]
        except KeyError:
            known = ", ".join(self._checks)
            raise InputError.field("check", name, f"one of {known}") from None


REGISTRY = CheckRegistry()


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register the decorated function as the audit check ``name``."""
    return REGISTRY.register(name)


def registered_checks() -> tuple[CheckInfo, ...]:
    """Every check the audit runs by default (built-ins first), with its description."""
    _load_builtins()
    return REGISTRY.all()


def get_check(name: str) -> CheckInfo:
    _load_builtins()
    return REGISTRY.get(name)


def _load_builtins() -> None:
    # Imported late: the built-in modules import this one to reach `check`.
    importlib.import_module("modelward.audit.checks")
