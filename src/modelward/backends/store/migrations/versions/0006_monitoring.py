"""serving usage, monitor reports and alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _text(name: str, length: int | None = None, *, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    kind = sa.Text() if length is None else sa.String(length=length)
    return sa.Column(name, kind, nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "serving_usage",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("deployment", 64),
        _text("model", 200),
        _text("period_start", 40),
        _text("period_end", 40),
        sa.Column("requests", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("cpu_seconds", sa.Float(), nullable=False),
        _text("server", 200),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_serving_usage")),
    )
    op.create_index("ix_serving_usage_deployment", "serving_usage", ["deployment", "period_start"])
    op.create_table(
        "monitor_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("deployment", 64),
        _text("window_start", 40),
        _text("window_end", 40),
        _text("report"),
        sa.Column("alerts", sa.Integer(), nullable=False),
        _text("created_at", 40),
        _text("created_by", 200),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_reports")),
    )
    op.create_index("ix_monitor_reports_deployment", "monitor_reports", ["deployment", "id"])
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("deployment", 64),
        _text("kind", 32),
        _text("subject", 200),
        _text("severity", 16),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=True),
        _text("message"),
        sa.Column("report_id", sa.Integer(), nullable=True),
        _text("created_at", 40),
        _text("resolved_at", 40, nullable=True),
        sa.ForeignKeyConstraint(
            ["report_id"], ["monitor_reports.id"], name=op.f("fk_alerts_report_id_monitor_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_open", "alerts", ["deployment", "resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_alerts_open", table_name="alerts")
    op.drop_table("alerts")
    op.drop_index("ix_monitor_reports_deployment", table_name="monitor_reports")
    op.drop_table("monitor_reports")
    op.drop_index("ix_serving_usage_deployment", table_name="serving_usage")
    op.drop_table("serving_usage")
