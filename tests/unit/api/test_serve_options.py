"""`modelward serve` options: auth is forced beyond loopback; bad values name the flag."""

from __future__ import annotations

import pytest

from modelward.cli.serve import _check, edge_config
from modelward.errors import InputError


@pytest.mark.parametrize(
    ("host", "asked", "required"),
    [
        ("127.0.0.1", False, False),
        ("127.0.0.1", True, True),
        ("localhost", False, False),
        ("0.0.0.0", False, True),  # noqa: S104 - the case under test
        ("10.1.2.3", False, True),
    ],
)
def test_auth_is_required_beyond_loopback(host: str, asked: bool, required: bool) -> None:
    edge = edge_config(host, auth=asked, rate=None, burst=None, max_body_mb=1.0)
    assert edge.auth is required
    assert edge.max_body_bytes == 1024 * 1024


@pytest.mark.parametrize(
    ("port", "body", "interval", "rate", "flag"),
    [
        (0, 32.0, 1.0, None, "--port"),
        (8080, 0.0, 1.0, None, "--max-body-mb"),
        (8080, 32.0, 0.0, None, "--log-interval"),
        (8080, 32.0, 1.0, -1.0, "--rate"),
    ],
)
def test_bad_options_name_the_flag(
    port: int, body: float, interval: float, rate: float | None, flag: str
) -> None:
    with pytest.raises(InputError, match=flag):
        _check(port, body, interval, rate)
