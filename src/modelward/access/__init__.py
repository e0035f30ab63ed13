"""Access: users, roles, tokens and the workspace's signing key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelward.faces import lazy_face

if TYPE_CHECKING:
    from modelward.access.keyring import (
        KeyKind as KeyKind,
        KeyStatus as KeyStatus,
        RegisteredKey as RegisteredKey,
        Standing as Standing,
        check_may_write as check_may_write,
        confirm_key as confirm_key,
        find_key as find_key,
        insert_key as insert_key,
        list_keys as list_keys,
        set_status as set_status,
        set_team_mode as set_team_mode,
        standing as standing,
        team_mode as team_mode,
    )
    from modelward.access.keys import (
        BYTES_DOMAIN as BYTES_DOMAIN,
        DIGEST_DOMAIN as DIGEST_DOMAIN,
        PRIVATE_KEY_FILE as PRIVATE_KEY_FILE,
        PUBLIC_KEY_FILE as PUBLIC_KEY_FILE,
        SigningKey as SigningKey,
        VerifyKey as VerifyKey,
        install_key as install_key,
        load_or_create_key as load_or_create_key,
        load_verify_key as load_verify_key,
        workspace_key as workspace_key,
    )
    from modelward.access.tokens import (
        TokenCache as TokenCache,
        TokenInfo as TokenInfo,
        check_may_manage as check_may_manage,
        check_rate as check_rate,
        check_token_id as check_token_id,
        create_token as create_token,
        descendants as descendants,
        expiry_after_days as expiry_after_days,
        get_token as get_token,
        list_tokens as list_tokens,
        revoke_token as revoke_token,
        verify_token as verify_token,
    )
    from modelward.access.users import (
        Role as Role,
        User as User,
        check_user_name as check_user_name,
        count_users as count_users,
        find_user as find_user,
        insert_user as insert_user,
        list_users as list_users,
        set_role as set_role,
    )

__getattr__, __dir__, __all__ = lazy_face(__name__, __file__)
