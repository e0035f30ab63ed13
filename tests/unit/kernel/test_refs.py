from __future__ import annotations

import pytest

from modelward.errors import InputError
from modelward.refs import Ref, check_name, parse_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("churn", Ref("churn")),
        ("churn@3", Ref("churn", version=3)),
        ("churn@Production", Ref("churn", label="production")),
        ("wa_churn.v2@12", Ref("wa_churn.v2", version=12)),
    ],
)
def test_parse_ref(text: str, expected: Ref) -> None:
    assert parse_ref(text) == expected
    assert parse_ref(str(expected)) == expected


@pytest.mark.parametrize("text", ["", "@3", "churn@", "churn@0", "a b", "churn@3@4", "-x"])
def test_bad_refs_name_the_expected_form(text: str) -> None:
    with pytest.raises(InputError, match="expected"):
        parse_ref(text)


def test_check_name() -> None:
    assert check_name("wa_churn") == "wa_churn"
    with pytest.raises(InputError, match="--name: got 'a/b'"):
        check_name("a/b")
