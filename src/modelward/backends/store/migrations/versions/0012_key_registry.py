"""key registry: every member's public signing key, and events signed by their actor

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 20:00:00

Each home (a person's or a service's machine) signs with its own Ed25519 key; the public halves
live here so that any member verifies any member's models and events. `status` moves from
active to retired (rotation: what it signed stays valid) or revoked (distrusted). A key a home
registered itself is unconfirmed until an admin vouches for it (`confirmed_by`). In team mode
(`store_settings.team`) each event also carries its actor's signature over its hash.
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signing_keys",
        sa.Column("key_id", sa.String(length=32), primary_key=True),
        sa.Column("owner", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("public_pem", sa.Text(), nullable=False),
        sa.Column("registered_at", sa.String(length=40), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.String(length=40), nullable=True),
        sa.Column("changed_by", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
    )
    op.create_index("ix_signing_keys_owner", "signing_keys", ["owner"])
    op.create_table(
        "store_settings",
        sa.Column("name", sa.String(length=100), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("set_at", sa.String(length=40), nullable=False),
        sa.Column("set_by", sa.String(length=200), nullable=False),
    )
    with op.batch_alter_table("events") as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("signature", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch_op:
        batch_op.drop_column("signature")
        batch_op.drop_column("key_id")
    op.drop_table("store_settings")
    op.drop_index("ix_signing_keys_owner", table_name="signing_keys")
    op.drop_table("signing_keys")
