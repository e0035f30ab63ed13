"""Personal data: emails, phones, card numbers, national ids; and telling names.

Text columns are matched whole value by value, then for card and phone numbers written inside
longer text ("call me on 020 7946 0958"); integer columns for card numbers stored as numbers.
Values are matched on the sample; examples in messages are always masked.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from modelward.audit import wording as w
from modelward.audit.context import AuditContext
from modelward.audit.findings import JSON, Finding, Severity
from modelward.audit.profile import Kind
from modelward.audit.registry import check

CHECK = "pii"
# Random 13-19 digit numbers pass Luhn one time in ten, card numbers always: a column where
# most candidates fail holds some other kind of number.
MIN_VALID_SHARE = {"payment card number": 0.5}


def luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def iban_valid(code: str) -> bool:
    """ISO 13616 mod-97: move the country and check digits to the end, letters to numbers."""
    rearranged = code[4:] + code[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _mask_email(v: str) -> str:
    local, _, domain = v.partition("@")
    return f"{local[:1]}***@{domain}"


def _mask(head: int = 0, tail: int = 4) -> Callable[[str], str]:
    """Hide every letter and digit but the first ``head`` and last ``tail``; keep separators."""

    def mask(v: str) -> str:
        total = sum(ch.isalnum() for ch in v)
        out, seen = [], 0
        for ch in v:
            if ch.isalnum():
                seen += 1
                ch = ch if seen <= head or seen > total - tail else "*"
            out.append(ch)
        return "".join(out)

    return mask


@dataclass(frozen=True)
class PiiKind:
    """One kind of personal data: how to find it, confirm it, and show it masked."""

    name: str
    pattern: str
    severity: Severity
    mask: Callable[[str], str]
    validate: Callable[[str], bool] | None = None
    article: str = "a"


def _digits_luhn(v: str) -> bool:
    return luhn(re.sub(r"\D", "", v))


def _iban(v: str) -> bool:
    return iban_valid(re.sub(r"\s", "", v).upper())


def _ssn(v: str) -> bool:
    area, group, serial = v.split("-")
    return (
        area not in ("000", "666")
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


KINDS: tuple[PiiKind, ...] = (
    PiiKind(
        "email address",
        r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}",
        Severity.WARNING,
        _mask_email,
        article="an",
    ),
    PiiKind(
        "payment card number",
        r"^\d{4}([ -]?\d{4}){2}[ -]?\d{1,7}$",
        Severity.ERROR,
        _mask(tail=4),
        _digits_luhn,
    ),
    PiiKind(
        "US social security number", r"^\d{3}-\d{2}-\d{4}$", Severity.ERROR, _mask(tail=4), _ssn
    ),
    PiiKind(
        "UK national insurance number",
        r"^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]$",
        Severity.ERROR,
        _mask(head=2, tail=1),
    ),
    PiiKind(
        "IBAN",
        r"^[A-Z]{2}\d{2}( ?[A-Z0-9]){11,30}$",
        Severity.ERROR,
        _mask(head=2, tail=4),
        _iban,
        article="an",
    ),
    PiiKind(
        "phone number",
        r"^(\+\d{1,3}[ .-]?)?(\(\d{1,4}\)[ .-]?|\d{2,4}[ .-])\d{2,4}[ .-]?\d{3,4}$|^\+\d{8,15}$",
        Severity.WARNING,
        _mask(tail=2),
    ),
)


def _phone_in_text(v: str) -> bool:
    """A phone number inside text has 9 to 15 digits and is not an IP address or a date."""
    digits = sum(ch.isdigit() for ch in v)
    dotted_quad = re.fullmatch(r"\d{1,3}(\.\d{1,3})+", v) is not None  # (part of) an IP
    dated = re.search(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}", v) is not None
    return 9 <= digits <= 15 and not dotted_quad and not dated


CARD = next(kind for kind in KINDS if kind.name == "payment card number")
PHONE = next(kind for kind in KINDS if kind.name == "phone number")
# Card and phone numbers inside free text: the same shapes, bounded by anything but a digit.
EMBEDDED: tuple[PiiKind, ...] = (
    PiiKind(
        CARD.name, r"(?:^|[^\d])(\d{4}(?:[ -]?\d{4}){2}[ -]?\d{1,7})(?:$|[^\d])", CARD.severity,
        CARD.mask, CARD.validate,
    ),
    PiiKind(
        PHONE.name,
        r"(?:^|[^\d+])((?:\+\d{1,3}[ .-]?)?(?:\(\d{1,4}\)[ .-]?|\d{2,4}[ .-])\d{2,4}[ .-]?\d{3,4})"
        r"(?:$|[^\d])",
        PHONE.severity,
        PHONE.mask,
        _phone_in_text,
    ),
)  # fmt: skip

# Words that mark personal data wherever they appear in a column's name ...
_NAME_WORDS = frozenset(
    ["email", "mail", "phone", "mobile", "telephone", "ssn", "passport", "iban", "nino", "dob"]
)
# ... and whole names that do.
_PERSON_NAMES = (
    {"name", "first_name", "last_name", "full_name", "fullname", "firstname", "lastname"}
    | {"surname", "given_name", "family_name", "customer_name", "client_name", "birthdate"}
    | {"address", "street_address", "date_of_birth"}
)


def _tokens(column: str) -> list[str]:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column.strip()).lower()
    return [t for t in re.split(r"[^a-z0-9]+", snake) if t]


def personal_name(column: str, *, text: bool) -> str | None:
    """The word in a column name that says it holds personal data, or None.

    A word inside a longer name counts only for a text column: `phone_service` holding 0/1 is a
    product flag, `phone_number` holding text is a phone number.
    """
    tokens = _tokens(column)
    joined = "_".join(tokens)
    if joined in _PERSON_NAMES or joined in _NAME_WORDS:
        return joined
    hits = [t for t in tokens if t in _NAME_WORDS]
    return hits[0] if hits and text else None


@check(CHECK)
def pii(ctx: AuditContext) -> list[Finding]:
    """Personal data in text: emails, phones, cards (Luhn), SSN, NINO, IBAN; telling names."""
    out: list[Finding] = []
    for name, p in ctx.profiles.items():
        is_text = p.kind is Kind.STRING
        found: list[Finding] = []
        if is_text and p.n_present:
            found = _scan(ctx, name)
        elif p.kind is Kind.INTEGER and p.n_present:
            found = _scan(ctx, name, kinds=(CARD,), embedded=())
        out += found
        word = personal_name(name, text=is_text)
        if word is not None and not found:
            msg = (
                f"column `{name}` is named like personal data ({word}): keep it only if it "
                "is needed and lawful, and never as a model feature"
            )
            out.append(Finding(CHECK, Severity.WARNING, msg, name, {"name_word": word}))
    return out


def _scan(
    ctx: AuditContext,
    name: str,
    *,
    kinds: tuple[PiiKind, ...] = KINDS,
    embedded: tuple[PiiKind, ...] = EMBEDDED,
) -> list[Finding]:
    values = ctx.sample[name].cast(pl.String).drop_nulls().str.strip_chars()
    n = len(values)
    out = []
    # Kinds are tried from the most specific; a value counts for the first kind it matches,
    # whole values before numbers inside text.
    for kind, inside in [(k, False) for k in kinds] + [(k, True) for k in embedded]:
        if values.is_empty():
            break
        found = values.str.extract(kind.pattern if inside else f"({kind.pattern})", 1)
        matched = found.drop_nulls()
        values = values.filter(found.is_null())
        if kind.validate is not None:
            ok = [v for v in matched.to_list() if kind.validate(v)]
            if len(ok) < MIN_VALID_SHARE.get(kind.name, 0.0) * len(matched):
                continue
            matched = pl.Series(ok, dtype=pl.String)
        if not matched.is_empty():
            out.append(_finding(ctx, name, kind, matched, n, inside=inside))
    return out


def _finding(
    ctx: AuditContext, name: str, kind: PiiKind, matched: pl.Series, n: int, *, inside: bool
) -> Finding:
    example = kind.mask(str(matched[0]))
    where = " in a sample of rows" if ctx.sampled else ""
    what = f"{kind.article} {kind.name}"
    if len(matched) == 1:
        looks = f"holds {what} in its text" if inside else f"looks like {what}"
    else:
        looks = f"hold {what} in their text" if inside else f"look like {what}"
    msg = (
        f"column `{name}` holds personal data: {w.plural(len(matched), 'value')} "
        f"({w.share(len(matched), n)}{where}) {looks}, "
        f"e.g. {example}; remove or pseudonymise it"
    )
    details: dict[str, JSON] = {
        "kind": kind.name,
        "matches": len(matched),
        "share": len(matched) / n,
        "example": example,
    }
    return Finding(CHECK, kind.severity, msg, name, details)
