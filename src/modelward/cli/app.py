"""The `modelward` command: global flags, sub-command groups, and the one error edge."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from modelward.access import load_verify_key
from modelward.cli.card import card_command, export_audit_command
from modelward.cli.context import JSON_OPTION, output, state
from modelward.cli.data import app as data_app
from modelward.cli.deploy import app as deploy_app
from modelward.cli.evaluate import evaluate_command, explain_command
from modelward.cli.events import app as events_app
from modelward.cli.ledger import ledger_command
from modelward.cli.mitigate import mitigate_command
from modelward.cli.models import app as models_app
from modelward.cli.monitor import app as monitor_app
from modelward.cli.output import Output
from modelward.cli.project import app as project_app
from modelward.cli.retrain import retrain_command
from modelward.cli.runs import app as runs_app
from modelward.cli.serve import serve_command
from modelward.cli.tokens import app as tokens_app
from modelward.cli.train import predict_command, train_command
from modelward.cli.users import app as users_app
from modelward.errors import ModelwardError
from modelward.workspace import init_workspace

app = typer.Typer(
    name="modelward",
    help="Train, govern, deploy and monitor business prediction models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(project_app, name="project")
app.add_typer(data_app, name="data")
app.add_typer(events_app, name="audit")
app.add_typer(runs_app, name="runs")
app.add_typer(models_app, name="models")
app.add_typer(users_app, name="users")
app.add_typer(deploy_app, name="deploy")
app.add_typer(tokens_app, name="tokens")
app.add_typer(monitor_app, name="monitor")
app.command("train")(train_command)
app.command("predict")(predict_command)
app.command("evaluate")(evaluate_command)
app.command("explain")(explain_command)
app.command("mitigate")(mitigate_command)
app.command("export-audit")(export_audit_command)
app.command("serve")(serve_command)
app.command("ledger")(ledger_command)
app.command("retrain")(retrain_command)
models_app.command("card")(card_command)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", help="Workspace folder [env MODELWARD_HOME; default ./.modelward]."
    ),
    store_url: str | None = typer.Option(
        None, "--store-url", help="Metadata store URL [env MODELWARD_STORE_URL]."
    ),
    blob_url: str | None = typer.Option(
        None, "--blob-url", help="Blob store folder or s3:// URL [env MODELWARD_BLOB_URL]."
    ),
    actor: str | None = typer.Option(
        None, "--actor", help="Who is acting, recorded on events [env MODELWARD_ACTOR]."
    ),
) -> None:
    state(ctx).overrides.update(home=home, store_url=store_url, blob_url=blob_url, actor=actor)


@app.command("init")
def init(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Create a workspace (folder, metadata store, blob store) and remember its backends."""
    with init_workspace(**state(ctx).overrides) as ws:
        settings = ws.settings
        data_ = {
            "home": str(settings.home),
            "store_url": settings.store_url,
            "blob_url": settings.blob_url,
            "signing_key": load_verify_key(settings.home).key_id,
        }
    output(as_json).result(data_, lambda: f"Workspace ready at {settings.home}")


def main() -> None:
    """Entry point: translate errors once, here, into a message and an exit code."""
    try:
        app(prog_name="modelward")
    except ModelwardError as exc:
        Output().error(exc.message)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        Output().error("interrupted")
        sys.exit(130)
    except Exception as exc:
        Output().error(f"internal error ({type(exc).__name__}: {exc}); please report it")
        sys.exit(1)
