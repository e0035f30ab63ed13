"""an index of the runs still running

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 15:00:00

Every run's first write looks for runs a killed process left `running`; without an index that
scan reads every run the workspace ever had. The partial index holds only the running ones.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

RUNNING = sa.text("status = 'running'")


def upgrade() -> None:
    op.create_index(
        "ix_runs_running", "runs", ["status"], sqlite_where=RUNNING, postgresql_where=RUNNING
    )


def downgrade() -> None:
    op.drop_index("ix_runs_running", table_name="runs")
