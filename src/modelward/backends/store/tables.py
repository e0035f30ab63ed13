"""The metadata schema: one SQLAlchemy metadata for every stage.

Hashed or signed values (event payloads, times) are stored as text exactly as they were hashed,
so a round trip through any database returns the same bytes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("time", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    Column("subject", String(500), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # in team mode: the actor's registered key and its signature over `hash`
    Column("key_id", String(32), nullable=True),
    Column("signature", Text, nullable=True),
)
Index("ix_events_subject", events.c.subject)

# One row: the newest link of the chain. Appenders lock it, which serializes appends, and it
# lets `verify` notice a deleted tail.
chain_head = Table(
    "chain_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
    # the workspace key's signature over seq and hash: a rewritten chain cannot be re-signed
    Column("signature", Text, nullable=True),
    Column("key_id", String(32), nullable=True),
)

projects = Table(
    "projects",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("spec", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)

dataset_versions = Table(
    "dataset_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("n_rows", BigInteger, nullable=False),
    Column("n_columns", Integer, nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("source", Text, nullable=False),
    Column("contract", Text, nullable=False),
    Column("parent_id", Integer, ForeignKey("dataset_versions.id"), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("dataset_id", "version", name="uq_dataset_versions_number"),
    UniqueConstraint("dataset_id", "content_hash", name="uq_dataset_versions_content"),
)

audits = Table(
    "audits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset_version_id", Integer, ForeignKey("dataset_versions.id"), nullable=False),
    Column("worst", String(16), nullable=False),
    Column("counts", Text, nullable=False),
    Column("report", Text, nullable=False),
    Column("html_blob", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)
Index("ix_audits_version", audits.c.dataset_version_id)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uid", String(32), nullable=False, unique=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=True),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("dataset_version_id", Integer, ForeignKey("dataset_versions.id"), nullable=True),
    Column("lineage", Text, nullable=False),
    Column("tags", Text, nullable=False),
    Column("started_at", String(40), nullable=False),
    Column("ended_at", String(40), nullable=True),
    Column("wall_seconds", Float, nullable=True),
    Column("cpu_seconds", Float, nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("owner", String(300), nullable=True),  # host/pid/start of the process running it
    Column("heartbeat_at", String(40), nullable=True),
)
Index("ix_runs_project_started", runs.c.project_id, runs.c.started_at)
# The runs still running, read at every run's first write to end those a dead process left.
_RUNNING = text("status = 'running'")
Index("ix_runs_running", runs.c.status, sqlite_where=_RUNNING, postgresql_where=_RUNNING)

run_params = Table(
    "run_params",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Text, nullable=False),
)

# Every logged point, append-only; written in batches off the training loop's path.
run_metrics = Table(
    "run_metrics",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("key", String(250), nullable=False),
    Column("step", BigInteger, nullable=False),
    Column("value", Float, nullable=False),
    Column("time", Float, nullable=False),
)
Index("ix_run_metrics_run_key_step", run_metrics.c.run_id, run_metrics.c.key, run_metrics.c.step)

# The newest value of each metric of each run: what leaderboards filter and sort on, so that
# listing runs never scans the history of every point.
run_latest = Table(
    "run_latest",
    metadata,
    Column("run_id", Integer, ForeignKey("runs.id"), primary_key=True),
    Column("key", String(250), primary_key=True),
    Column("value", Float, nullable=False),
    Column("step", BigInteger, nullable=False),
)
Index("ix_run_latest_key_value", run_latest.c.key, run_latest.c.value)

# A registered model: its signed manifest (the bundle's files are listed in it by hash) and the
# stage it has reached. Version numbers count per project.
model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("stage", String(16), nullable=False),
    Column("task", String(16), nullable=False),
    Column("metric", String(64), nullable=False),
    Column("score", Float, nullable=True),
    Column("summary", Text, nullable=False),
    Column("input_schema", Text, nullable=False),
    Column("output_schema", Text, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("signature", Text, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("project_id", "version", name="uq_model_versions_number"),
)
Index("ix_model_versions_project_stage", model_versions.c.project_id, model_versions.c.stage)
# One production version per project, whatever two promotions racing each other do.
_PRODUCTION = text("stage = 'production'")
Index(
    "uq_model_versions_one_production",
    model_versions.c.project_id,
    unique=True,
    sqlite_where=_PRODUCTION,
    postgresql_where=_PRODUCTION,
)

# Every trial of a run's search, written in one batch when the search ends.
trials = Table(
    "trials",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("family", String(64), nullable=False),
    Column("params", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("score", Float, nullable=True),
    Column("fold_scores", Text, nullable=False),
    Column("fit_seconds", Float, nullable=False),
    Column("info", Text, nullable=False),
    Column("finished_at", String(40), nullable=True),
    UniqueConstraint("run_id", "number", name="uq_trials_number"),
)

# People and their role in review; the acting user is matched by name.
users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)

# Each evaluation of a model version: the report (JSON), the flat facts that gates read, and
# its self-contained HTML rendering as a blob. The newest one is the model's current report.
evaluations = Table(
    "evaluations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_version_id", Integer, ForeignKey("model_versions.id"), nullable=False),
    Column("report", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("html_blob", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)
Index("ix_evaluations_model", evaluations.c.model_version_id)

# Approve / reject decisions on a model version; the newest decision of a version stands.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("model_version_id", Integer, ForeignKey("model_versions.id"), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("role", String(16), nullable=False),
    Column("comment", Text, nullable=False),
    Column("gates", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    # the evaluation the decision was made on: an approval approves its decision policy
    Column("evaluation_id", Integer, ForeignKey("evaluations.id"), nullable=True),
)
Index("ix_reviews_model", reviews.c.model_version_id)

# API tokens: only the sha256 of the secret is kept; `token_id` is the public part of the token
# (it names the token in lists and events without revealing it).
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_id", String(32), nullable=False, unique=True),
    Column("secret_sha256", String(64), nullable=False),
    Column("user_name", String(200), nullable=False),
    Column("label", String(200), nullable=False),
    Column("rate_per_second", Float, nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expires_at", String(40), nullable=True),
    Column("revoked_at", String(40), nullable=True),
    # the token the creator signed in with, when made over HTTP: revoking it can revoke these
    Column("parent_token_id", String(32), nullable=True),
)

# A named endpoint. `routes` (JSON: primary, canary with its weight, shadow) and `generation`
# change together in one update, so a server that sees a new generation reloads one consistent
# set of routes; every change is also kept as a revision, which is what rollback goes back to.
deployments = Table(
    "deployments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("routes", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("generation", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", String(40), nullable=False),
)

deployment_revisions = Table(
    "deployment_revisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment_id", Integer, ForeignKey("deployments.id"), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("action", String(32), nullable=False),
    Column("routes", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    UniqueConstraint("deployment_id", "generation", name="uq_deployment_revisions_generation"),
)

# One Parquet blob of scored rows per flush of the prediction log, indexed by its time window.
prediction_batches = Table(
    "prediction_batches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment", String(64), nullable=False),
    Column("first_time", String(40), nullable=False),
    Column("last_time", String(40), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("blob", String(64), nullable=False),
    Column("created_at", String(40), nullable=False),
)
Index(
    "ix_prediction_batches_window",
    prediction_batches.c.deployment,
    prediction_batches.c.first_time,
    prediction_batches.c.last_time,
)

# Labels that arrive later, by the request id the prediction answered with; newest one wins.
feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment", String(64), nullable=False),
    Column("request_id", String(64), nullable=False),
    Column("label", Text, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)
Index("ix_feedback_request", feedback.c.deployment, feedback.c.request_id)

# Serving usage, written by each server once a minute per deployment and model: what the
# ledger prices (requests, rows, CPU seconds of scoring).
serving_usage = Table(
    "serving_usage",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment", String(64), nullable=False),
    Column("model", String(200), nullable=False),
    Column("period_start", String(40), nullable=False),
    Column("period_end", String(40), nullable=False),
    Column("requests", BigInteger, nullable=False),
    Column("rows", BigInteger, nullable=False),
    Column("cpu_seconds", Float, nullable=False),
    Column("server", String(200), nullable=False),
)
Index("ix_serving_usage_deployment", serving_usage.c.deployment, serving_usage.c.period_start)

# Each monitoring pass over a deployment's recent traffic: the full report as JSON.
monitor_reports = Table(
    "monitor_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment", String(64), nullable=False),
    Column("window_start", String(40), nullable=False),
    Column("window_end", String(40), nullable=False),
    Column("report", Text, nullable=False),
    Column("alerts", Integer, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
)
Index("ix_monitor_reports_deployment", monitor_reports.c.deployment, monitor_reports.c.id)

# Alerts raised by monitoring; open until a later pass finds the condition gone.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("deployment", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("subject", String(200), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("value", Float, nullable=True),
    Column("threshold", Float, nullable=True),
    Column("message", Text, nullable=False),
    Column("report_id", Integer, ForeignKey("monitor_reports.id"), nullable=True),
    Column("created_at", String(40), nullable=False),
    Column("resolved_at", String(40), nullable=True),
)
Index("ix_alerts_open", alerts.c.deployment, alerts.c.resolved_at)

# Background jobs one replica runs for all (a monitoring pass per deployment and interval):
# held by one server process until `expires_at` (epoch seconds).
leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(300), nullable=False),
    Column("expires_at", Float, nullable=False),
    Column("taken_at", String(40), nullable=False),
)

# Every member's public signing key: any member verifies what any other signed. A key is
# active, retired (rotated out: what it signed stays valid) or revoked (distrusted).
signing_keys = Table(
    "signing_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # person | service
    Column("public_pem", Text, nullable=False),
    Column("registered_at", String(40), nullable=False),
    Column("registered_by", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("changed_at", String(40), nullable=True),
    Column("changed_by", String(200), nullable=True),
    Column("reason", Text, nullable=True),
    # the admin who vouched for the key (`keys add`, `keys confirm`); None when its own home
    # registered it, outside team mode, under a name nobody checked
    Column("confirmed_by", String(200), nullable=True),
)
Index("ix_signing_keys_owner", signing_keys.c.owner)

# Settings that bind every member of the store, not one home (team mode).
store_settings = Table(
    "store_settings",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("set_at", String(40), nullable=False),
    Column("set_by", String(200), nullable=False),
)

# Long work the API runs off the request (training): its status, and its result or error. A
# running job's holder beats `heartbeat` (epoch seconds); one that stopped beating was lost.
jobs = Table(
    "jobs",
    metadata,
    Column("uid", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("request", Text, nullable=False),
    Column("result", Text, nullable=True),
    Column("error", Text, nullable=True),
    Column("holder", String(300), nullable=False),
    Column("heartbeat", Float, nullable=False),
    Column("created_at", String(40), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("finished_at", String(40), nullable=True),
)
Index("ix_jobs_created", jobs.c.created_at)
