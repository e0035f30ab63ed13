"""Who may do what: each action a user can be refused, the role it needs, and whether a named
user must act even in a single-user workspace (a decision needs a person on record)."""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from modelward.access import Role


@dataclass(frozen=True)
class Rule:
    role: Role
    doing: str  # what the action is, in the words of a refusal: "may not add data"
    named: bool = False


RULES = MappingProxyType(
    {
        "dataset.add": Rule(Role.SCIENTIST, "add data"),
        "project.create": Rule(Role.SCIENTIST, "create projects"),
        "project.update": Rule(Role.SCIENTIST, "change project specs"),
        "model.promote": Rule(Role.SCIENTIST, "move model versions"),
        "model.archive": Rule(Role.SCIENTIST, "archive model versions"),
        "model.approve": Rule(Role.APPROVER, "review model versions", named=True),
        "model.reject": Rule(Role.APPROVER, "review model versions", named=True),
        "model.override": Rule(Role.ADMIN, "override a review", named=True),
        "model.rollback": Rule(Role.APPROVER, "roll production back", named=True),
        "user.add": Rule(Role.ADMIN, "manage users", named=True),
        "user.set_role": Rule(Role.ADMIN, "manage users", named=True),
        "key.add": Rule(Role.ADMIN, "register signing keys", named=True),
        "key.revoke": Rule(Role.ADMIN, "revoke signing keys", named=True),
        "team.set": Rule(Role.ADMIN, "switch team mode", named=True),
        "deployment.*": Rule(Role.SCIENTIST, "change deployments"),
    }
)


def rule_of(action: str) -> Rule:
    """The rule of `action`, or of its family (`deployment.canary` -> `deployment.*`)."""
    found = RULES.get(action) or RULES.get(action.split(".")[0] + ".*")
    if found is None:  # a programming error: every refusable action is in the table
        raise KeyError(f"no access rule for {action!r}; add it to permissions.rules.RULES")
    return found
