from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
import pytest

from modelward.audit import Finding, Severity
from modelward.audit.checks.pii import iban_valid, luhn

RunCheck = Callable[..., list[Finding]]


def _one(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, [f.message for f in findings]
    return findings[0]


def test_luhn_and_iban_checksums() -> None:
    assert luhn("4111111111111111")
    assert not luhn("4111111111111112")
    assert iban_valid("GB82WEST12345698765432")
    assert not iban_valid("GB82WEST12345698765433")


def test_emails_are_found_and_masked(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"contact": ["jane.doe@example.com", "bob@corp.example.org", "n/a", "x"]})
    finding = _one(run_check("pii", frame))
    assert finding.severity is Severity.WARNING
    assert finding.message.startswith(
        "column `contact` holds personal data: 2 values (50%) look like an email address, "
        "e.g. j***@example.com"
    )
    assert "jane.doe" not in finding.message


def test_emails_inside_free_text(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"note": ["please write to jane@example.com soon", "no contact given"]})
    assert "e.g. j***@example.com" in _one(run_check("pii", frame)).message


def test_card_numbers_need_a_valid_luhn_digit(run_check: RunCheck) -> None:
    cards = ["4111 1111 1111 1111", "5500-0000-0000-0004", "4012888888881881", "378282246310005"]
    finding = _one(run_check("pii", pl.DataFrame({"pan": cards})))
    assert finding.severity is Severity.ERROR
    assert "look like a payment card number, e.g. **** **** **** 1111" in finding.message
    assert "4111 1111 1111 1111" not in finding.message


def test_random_long_numbers_are_not_cards(run_check: RunCheck) -> None:
    rng = np.random.default_rng(0)
    numbers = [str(n) for n in rng.integers(10**15, 10**16 - 1, 200)]
    assert run_check("pii", pl.DataFrame({"account_ref": numbers})) == []


@pytest.mark.parametrize(
    ("values", "kind", "masked"),
    [
        (["123-45-6789", "234-56-7890"], "a US social security number", "***-**-6789"),
        (["AB 12 34 56 C", "CE123456D"], "a UK national insurance number", "AB ** ** ** C"),
        (
            ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000"],
            "an IBAN",
            "GB** **** **** **** **54 32",
        ),
        (
            ["+44 20 7946 0958", "(555) 123-4567", "555-123-4567"],
            "a phone number",
            "+** ** **** **58",
        ),
    ],
)
def test_national_ids_ibans_and_phones(
    run_check: RunCheck, values: list[str], kind: str, masked: str
) -> None:
    finding = _one(run_check("pii", pl.DataFrame({"value": values})))
    assert f"{len(values)} values (100%) look like {kind}, e.g. {masked};" in finding.message
    assert finding.severity is (Severity.WARNING if "phone" in kind else Severity.ERROR)
    assert all(value not in finding.message for value in values)


def test_invalid_ssn_and_iban_are_ignored(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"a": ["000-12-3456", "666-12-3456"], "b": ["GB00WEST12345698765432"] * 2})
    assert run_check("pii", frame) == []


def test_column_names_that_suggest_personal_data(run_check: RunCheck) -> None:
    frame = pl.DataFrame(
        {
            "Email": ["unknown", "unknown"],
            "first_name": ["Ann", "Bo"],
            "phone_service": [0, 1],
            "product_name": ["tv", "radio"],
        }
    )
    found = {f.column: f.message for f in run_check("pii", frame)}
    assert set(found) == {"Email", "first_name"}
    assert found["Email"].startswith("column `Email` is named like personal data (email)")


def test_ordinary_text_has_no_pii(run_check: RunCheck) -> None:
    frame = pl.DataFrame({"plan": ["basic", "pro"], "city": ["Paris", "Lyon"], "n": ["12", "13"]})
    assert run_check("pii", frame) == []


def test_card_numbers_stored_as_integers(run_check: RunCheck) -> None:
    cards = [4111111111111111, 5500000000000004, 4012888888881881, 378282246310005]
    finding = _one(run_check("pii", pl.DataFrame({"pan": cards})))
    assert finding.severity is Severity.ERROR
    assert "4 values (100%) look like a payment card number, e.g. ************1111" in (
        finding.message
    )
    rng = np.random.default_rng(0)
    ids = rng.integers(10**15, 10**16 - 1, 200)
    assert run_check("pii", pl.DataFrame({"account_ref": ids})) == []  # ids, not cards


def test_card_and_phone_numbers_inside_free_text(run_check: RunCheck) -> None:
    notes = [
        "customer paid with 4111 1111 1111 1111 yesterday",
        "call me on 020 7946 0958 after six",
        "wants a call back: +44 20 7946 0958",
        "paid 1,250.00 on 2024-01-15, all fine",
        "nothing to report",
    ]
    found = {f.details["kind"]: f for f in run_check("pii", pl.DataFrame({"note": notes}))}
    assert set(found) == {"payment card number", "phone number"}
    card, phone = found["payment card number"], found["phone number"]
    assert card.severity is Severity.ERROR
    assert "1 value (20%) holds a payment card number in its text, e.g. **** **** **** 1111" in (
        card.message
    )
    assert "2 values (40%) hold a phone number in their text, e.g. *** **** **58" in phone.message
    assert not any(digits in f.message for f in found.values() for digits in ("4111 1111", "7946"))


def test_dates_addresses_amounts_and_versions_in_text_are_not_phones(run_check: RunCheck) -> None:
    notes = [
        "server 192.168.100.200 restarted",
        "visit on 15.01.2024 10:30",
        "paid EUR 12 345 678",
        "upgraded to v10.15.1234",
    ]
    assert run_check("pii", pl.DataFrame({"note": notes})) == []
