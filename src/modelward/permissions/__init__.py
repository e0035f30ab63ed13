"""Permissions: who may do what (one rule table, one check, one refusal) and user administration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.permissions.keys import (
        add_key as add_key,
        all_keys as all_keys,
        home_key as home_key,
        read_pem as read_pem,
        revoke_key as revoke_key,
        rotate_key as rotate_key,
        set_team as set_team,
        team_status as team_status,
        vouch_for_key as vouch_for_key,
    )
    from modelward.permissions.rules import (
        RULES as RULES,
        Rule as Rule,
    )
    from modelward.permissions.service import (
        refuse as refuse,
        require as require,
    )
    from modelward.permissions.users import (
        add_user as add_user,
        all_users as all_users,
        change_role as change_role,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
