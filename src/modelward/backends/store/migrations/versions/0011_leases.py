"""leases: background work one server replica does for all

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 18:00:00

A monitoring pass, a retraining decision: several replicas of one server share a store, and
each such job must run once per interval, not once per replica. A lease names the job and
who holds it until when; a replica takes a free or expired one in one conditional write.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=200), primary_key=True),
        sa.Column("holder", sa.String(length=300), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.Column("taken_at", sa.String(length=40), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
