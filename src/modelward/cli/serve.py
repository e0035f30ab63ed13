"""`modelward serve`: the HTTP API (scoring, management, probes, metrics) on uvicorn."""

from __future__ import annotations

import signal

import typer

from modelward.api import LOOPBACK_NAMES, EdgeConfig, allowed_hosts
from modelward.cli.context import output, workspace
from modelward.errors import InputError

LOOPBACK = LOOPBACK_NAMES


def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to bind."),
    port: int = typer.Option(8080, "--port", help="Port to bind."),
    auth: bool = typer.Option(
        False, "--auth", help="Require API tokens (always on for a non-loopback --host)."
    ),
    rate: float | None = typer.Option(
        None,
        "--rate",
        help="Rows per second per user (a batch counts its rows; a token may only lower it).",
    ),
    burst: float | None = typer.Option(None, "--burst", help="Bucket size (default 2 s of rate)."),
    max_body_mb: float = typer.Option(32.0, "--max-body-mb", help="Largest request body."),
    log_interval: float = typer.Option(
        1.0, "--log-interval", help="Seconds between prediction-log writes (crash-loss bound)."
    ),
    access_log: bool = typer.Option(False, "--access-log", help="Log every request."),
    allow_host: list[str] | None = typer.Option(
        None,
        "--allow-host",
        help="Another host name clients reach the server by (repeatable); requests naming any "
        "other are refused (DNS rebinding).",
    ),
) -> None:
    """Serve deployments (MLflow scoring protocol), the management API and /metrics."""
    import uvicorn

    from modelward.api import ServeConfig, create_app

    _check(port, max_body_mb, log_interval, rate)
    edge = edge_config(
        host,
        auth=auth,
        rate=rate,
        burst=burst,
        max_body_mb=max_body_mb,
        hosts=tuple(allow_host or ()),
    )
    required = edge.auth
    ws = workspace(ctx)
    app = create_app(ws, ServeConfig(edge, log_interval=log_interval))
    mode = "API tokens required" if required else "no auth (loopback)"
    output(False).note(f"serving on http://{host}:{port} ({mode}); OpenAPI at /docs")
    # uvicorn drains on SIGTERM, then raises it again: let that end the process by the signal
    # (the CLI's own handler is for commands that stage files, not for a server).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=access_log,
            timeout_graceful_shutdown=10,
        )
    finally:
        ws.close()


def edge_config(
    host: str,
    *,
    auth: bool,
    rate: float | None,
    burst: float | None,
    max_body_mb: float,
    hosts: tuple[str, ...] = (),
) -> EdgeConfig:
    """Auth is on when asked for, and always when the server is reachable beyond loopback;
    it answers to its own names and `hosts` (see `api.guard`)."""
    return EdgeConfig(
        auth=auth or host not in LOOPBACK,
        rate=rate,
        burst=burst,
        max_body_bytes=int(max_body_mb * 1024 * 1024),
        hosts=allowed_hosts(host, hosts),
    )


def _check(port: int, max_body_mb: float, log_interval: float, rate: float | None) -> None:
    if not 1 <= port <= 65535:
        raise InputError.field("--port", port, "a port from 1 to 65535")
    if not 0 < max_body_mb <= 1024:
        raise InputError.field("--max-body-mb", max_body_mb, "megabytes above 0, at most 1024")
    if not 0.05 <= log_interval <= 60:
        raise InputError.field("--log-interval", log_interval, "seconds from 0.05 to 60")
    if rate is not None and not rate > 0:
        raise InputError.field("--rate", rate, "rows per second above 0")
