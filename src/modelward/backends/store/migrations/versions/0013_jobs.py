"""jobs: long work the API accepts and runs off the request (training)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 21:00:00

`POST /api/v1/runs` answers 202 with a job id at once; the server trains in the background and
the job row carries its status, its result or its error. The holder's heartbeat tells a job
still running from one whose server stopped.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("uid", sa.String(length=32), primary_key=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("holder", sa.String(length=300), nullable=False),
        sa.Column("heartbeat", sa.Float(), nullable=False),
        sa.Column("created_at", sa.String(length=40), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("finished_at", sa.String(length=40), nullable=True),
    )
    op.create_index("ix_jobs_created", "jobs", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_created", table_name="jobs")
    op.drop_table("jobs")
