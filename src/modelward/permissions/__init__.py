"""Permissions: who may do what (one rule table, one check, one refusal) and user administration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.permissions.rules import RULES as RULES, Rule as Rule
    from modelward.permissions.service import refuse as refuse, require as require
    from modelward.permissions.users import (
        add_user as add_user,
        all_users as all_users,
        change_role as change_role,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
