"""Model references: every accepted form, and a message listing them for anything else."""

from __future__ import annotations

import pytest

from modelward.errors import InputError
from modelward.registry import ModelRef, Stage, parse_model_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("churn/v3", ModelRef("churn", version=3)),
        ("churn/V3", ModelRef("churn", version=3)),
        ("churn/3", ModelRef("churn", version=3)),
        ("churn@3", ModelRef("churn", version=3)),
        (" churn@3 ", ModelRef("churn", version=3)),
        ("churn@production", ModelRef("churn", stage=Stage.PRODUCTION)),
        ("churn@Staging", ModelRef("churn", stage=Stage.STAGING)),
        ("churn@latest", ModelRef("churn")),
        ("churn", ModelRef("churn")),
        ("tel.co-churn_2", ModelRef("tel.co-churn_2")),
    ],
)
def test_accepted_forms(text: str, expected: ModelRef) -> None:
    assert parse_model_ref(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "churn/",
        "churn/v",
        "churn/v0",
        "churn@0",
        "churn/x3",
        "churn@3/v3",
        "churn/v3/v4",
        "churn@best",
        "/v3",
        "@3",
        "ch urn",
        "churn@-1",
    ],
)
def test_malformed_refs_list_the_accepted_forms(text: str) -> None:
    with pytest.raises(InputError, match=r"model reference: .*PROJECT/vN.*PROJECT@STAGE"):
        parse_model_ref(text)


@pytest.mark.parametrize(
    ("ref", "printed"),
    [
        (ModelRef("churn", version=3), "churn/v3"),
        (ModelRef("churn", stage=Stage.PRODUCTION), "churn@production"),
        (ModelRef("churn"), "churn"),
    ],
)
def test_refs_print_in_their_canonical_form(ref: ModelRef, printed: str) -> None:
    assert str(ref) == printed
