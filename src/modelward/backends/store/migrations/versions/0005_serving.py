"""api tokens, deployments, prediction log and feedback

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    kind = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("token_id", 32),
        _text("secret_sha256", 64),
        _text("user_name", 200),
        _text("label", 200),
        sa.Column("rate_per_second", sa.Float(), nullable=True),
        _text("created_at", 40),
        _text("created_by", 200),
        _text("expires_at", 40, nullable=True),
        _text("revoked_at", 40, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_id", name=op.f("uq_api_tokens_token_id")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("name", 64),
        _text("routes"),
        _text("options"),
        sa.Column("generation", sa.Integer(), nullable=False),
        _text("created_at", 40),
        _text("created_by", 200),
        _text("updated_at", 40),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
        sa.UniqueConstraint("name", name=op.f("uq_deployments_name")),
    )
    op.create_table(
        "deployment_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        _text("action", 32),
        _text("routes"),
        _text("created_at", 40),
        _text("created_by", 200),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_revisions_deployment_id_deployments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployment_revisions")),
        sa.UniqueConstraint(
            "deployment_id", "generation", name="uq_deployment_revisions_generation"
        ),
    )
    op.create_table(
        "prediction_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("deployment", 64),
        _text("first_time", 40),
        _text("last_time", 40),
        sa.Column("rows", sa.Integer(), nullable=False),
        _text("blob", 64),
        _text("created_at", 40),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_prediction_batches")),
    )
    op.create_index(
        "ix_prediction_batches_window",
        "prediction_batches",
        ["deployment", "first_time", "last_time"],
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("deployment", 64),
        _text("request_id", 64),
        _text("label"),
        _text("created_at", 40),
        _text("created_by", 200),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_request", "feedback", ["deployment", "request_id"])


def downgrade() -> None:
    op.drop_index("ix_feedback_request", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_prediction_batches_window", table_name="prediction_batches")
    op.drop_table("prediction_batches")
    op.drop_table("deployment_revisions")
    op.drop_table("deployments")
    op.drop_table("api_tokens")
