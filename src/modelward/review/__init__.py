"""Review: policy gates, approvals with separation of duties, stage moves, production history."""

from modelward.review.facts import gate_report, model_facts
from modelward.review.gates import GateReport, GateResult, check_gates
from modelward.review.history import ProductionSpell, in_production_at, production_history
from modelward.review.records import Decision, Review, StageChange
from modelward.review.service import (
    approve,
    archive,
    promote,
    reject,
    release_problems,
    reviews_of,
)
from modelward.review.users import add_user, change_role, users

__all__ = [
    "Decision",
    "GateReport",
    "GateResult",
    "ProductionSpell",
    "Review",
    "StageChange",
    "add_user",
    "approve",
    "archive",
    "change_role",
    "check_gates",
    "gate_report",
    "in_production_at",
    "model_facts",
    "production_history",
    "promote",
    "reject",
    "release_problems",
    "reviews_of",
    "users",
]
