"""What a deployment received but did not score, and what it scored outside its training data.

Strict validation and the extraction watch protect a model by refusing rows, and that must not
blind monitoring: a population that moves past the training range is refused first, so the
refused share is the earliest and loudest sign of it. The prediction log keeps refused rows
beside the scored ones (route `refused`, with the reason per row), and scored rows answered
under `flag` validation carry the values they had outside training (`out_of_contract`).

Each (field, rule) or refusal reason is one finding, worst first: a warning from
`WARNING_SHARE` of the rows, critical from `CRITICAL_SHARE`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from modelward.monitoring.health import Finding, Severity, level

WARNING_SHARE = 0.01
CRITICAL_SHARE = 0.10
REASONS = {  # a refusal reason that is not a field, as a reader says it
    "rate": "over the caller's rate limit",
    "extraction": "throttled as suspected model extraction",
    "input": "input the model cannot read (a type, a missing field)",
    "batch": "refused with their batch: another row of the request was refused",
}


def refusal_findings(refused: Sequence[dict[str, Any]], received: int) -> list[Finding]:
    """One finding per field and rule (or reason) of the window's refused rows; `refused`
    holds each refused row's reason as logged, `received` counts scored and refused rows."""
    counted: Counter[tuple[str, str]] = Counter()
    for row in refused:
        fields = row.get("fields") or ()
        if fields:
            counted.update({(str(f["field"]), str(f["expected"])) for f in fields})
        else:
            reason = str(row.get("reason", "input"))
            counted[(reason, REASONS.get(reason, reason))] += 1
    findings = []
    for (subject, rule), n in counted.most_common():
        share = n / received
        said = rule if subject in REASONS else f"{subject}: expected {rule}"
        message = f"{_share(share)} of the {received:,} rows received were refused ({n:,}): {said}"
        severity = _severity(share)
        findings.append(Finding("refused", subject, severity, share, WARNING_SHARE, message))
    return findings


def flagged_findings(answers: Sequence[dict[str, Any]]) -> list[Finding]:
    """One finding per field and rule of the values scored outside training (`flag`)."""
    counted: Counter[tuple[str, str]] = Counter()
    for answer in answers:
        flags = answer.get("out_of_contract") or ()
        counted.update({(str(f["field"]), str(f["expected"])) for f in flags})
    findings = []
    for (field, rule), n in counted.most_common():
        share = n / len(answers)
        message = (
            f"{_share(share)} of the {len(answers):,} rows scored ({n:,}) had {field} outside "
            f"training (expected {rule}): scored and flagged, an extrapolation nobody evaluated"
        )
        findings.append(
            Finding("out_of_contract", field, _severity(share), share, WARNING_SHARE, message)
        )
    return findings


def _severity(share: float) -> Severity:
    return level(share, WARNING_SHARE, CRITICAL_SHARE)


def _share(share: float) -> str:
    if share >= 0.1:
        return f"{share:.0%}"
    return f"{share:.1%}" if share >= 0.001 else "under 0.1%"
