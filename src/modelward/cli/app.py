"""The `modelward` command: global flags, sub-command groups, and the one error edge."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import typer

from modelward.cli.context import JSON_OPTION, output, state
from modelward.cli.lazy import Entry, LazyGroup
from modelward.cli.output import Output
from modelward.errors import ModelwardError

# Every sub-command but `init`, imported only when it runs (see cli.lazy): name -> where, help.
COMMANDS = {
    "train": Entry(
        "modelward.cli.train:train_command",
        "Search models within a time budget; register the best as a candidate model version,\n"
        "then evaluate it and check the project's gates.",
    ),
    "predict": Entry(
        "modelward.cli.train:predict_command",
        "Score rows: `prediction`, `proba_<label>` per class and `decision` (the action under "
        "the\napproved policy), with identifier columns carried through.",
    ),
    "evaluate": Entry(
        "modelward.cli.evaluate:evaluate_command",
        "Evaluate a model: metrics with CIs, baselines, fairness, explanations, value, risks.",
    ),
    "explain": Entry(
        "modelward.cli.evaluate:explain_command",
        "Explain each input row: the base value and each feature's push (SHAP).",
    ),
    "mitigate": Entry(
        "modelward.cli.mitigate:mitigate_command",
        "Make a new, fairer version of MODEL; evaluate it against the original.",
    ),
    "export-audit": Entry(
        "modelward.cli.card:export_audit_command",
        "Write the auditor's bundle: card, evaluation, signed manifest, lineage, event chain.",
    ),
    "serve": Entry(
        "modelward.cli.serve:serve_command",
        "Serve deployments (MLflow scoring protocol), the management API and /metrics.",
    ),
    "ledger": Entry(
        "modelward.cli.ledger:ledger_command",
        "Costs (compute, storage, serving, monitoring, energy), value realized and ROI per "
        "model,\nper project and for the portfolio; hidden costs shown beside the models.",
    ),
    "retrain": Entry(
        "modelward.cli.retrain:retrain_command",
        "Train a challenger on new data plus the memory of older data; guard against forgetting.",
    ),
    "project": Entry(
        "modelward.cli.project:app", "Project specs: what to predict and how to judge it."
    ),
    "data": Entry("modelward.cli.data:app", "Versioned, audited datasets."),
    "audit": Entry(
        "modelward.cli.events:app", "The event log: who did what, and proof it was not edited."
    ),
    "runs": Entry("modelward.cli.runs:app", "Tracked runs: params, metrics, lineage."),
    "models": Entry(
        "modelward.cli.models:app", "Model versions: stages, gates, approvals, history."
    ),
    "users": Entry(
        "modelward.cli.users:app", "Users and their roles (viewer, scientist, approver, admin)."
    ),
    "deploy": Entry(
        "modelward.cli.deploy:app", "Deployments: one primary model, an optional canary and shadow."
    ),
    "tokens": Entry("modelward.cli.tokens:app", "API tokens: create (shown once), list, revoke."),
    "keys": Entry(
        "modelward.cli.keys:app",
        "Signing keys: this home's, and every member's registered public key.",
    ),
    "team": Entry(
        "modelward.cli.keys:team_app",
        "Team mode: every write signed by its actor's own registered key.",
    ),
    "monitor": Entry(
        "modelward.cli.monitor:app",
        "Monitoring: drift, performance once labels arrive, staleness, alerts.",
    ),
}
ORDER = (*list(COMMANDS)[:9], "init", *list(COMMANDS)[9:])


class Root(LazyGroup):
    entries = COMMANDS
    order = ORDER


app = typer.Typer(
    name="modelward",
    help="Train, govern, deploy and monitor business prediction models.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=Root,
)


@app.callback()
def _root(
    ctx: typer.Context,
    home: Path | None = typer.Option(
        None, "--home", help="Workspace folder (env MODELWARD_HOME; default ./.modelward)."
    ),
    store_url: str | None = typer.Option(
        None, "--store-url", help="Metadata store URL (env MODELWARD_STORE_URL)."
    ),
    blob_url: str | None = typer.Option(
        None, "--blob-url", help="Blob store folder or s3:// URL (env MODELWARD_BLOB_URL)."
    ),
    actor: str | None = typer.Option(
        None, "--actor", help="Who is acting, recorded on events (env MODELWARD_ACTOR)."
    ),
) -> None:
    state(ctx).overrides.update(home=home, store_url=store_url, blob_url=blob_url, actor=actor)


@app.command("init")
def init(ctx: typer.Context, as_json: bool = JSON_OPTION) -> None:
    """Create a workspace (folder, metadata store, blob store) and remember its backends."""
    from modelward.access import load_verify_key
    from modelward.workspace import init_workspace

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
    # A plain `kill` unwinds like Ctrl-C, so that staging files are removed on the way out
    # (`serve` installs uvicorn's own handlers for a graceful shutdown).
    signal.signal(signal.SIGTERM, _terminated)
    try:
        app(prog_name="modelward")
    except ModelwardError as exc:
        Output().error(exc.message)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        Output().error("interrupted")
        sys.exit(130)
    except _Terminated:
        Output().error("terminated; nothing half-written was kept")
        sys.exit(143)
    except Exception as exc:
        Output().error(f"internal error ({type(exc).__name__}: {exc}); please report it")
        sys.exit(1)


class _Terminated(BaseException):
    """SIGTERM, raised where the main thread is, so that every `finally` runs."""


def _terminated(signum: int, frame: object) -> None:
    raise _Terminated
