"""reviews name the evaluation they decided on; tokens the token that made them; the chain
head is signed

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 03:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("chain_head", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signature", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("key_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_token_id", sa.String(length=32), nullable=True))
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("evaluation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_reviews_evaluation_id_evaluations"),
            "evaluations",
            ["evaluation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_reviews_evaluation_id_evaluations"), type_="foreignkey"
        )
        batch_op.drop_column("evaluation_id")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("parent_token_id")
    with op.batch_alter_table("chain_head", schema=None) as batch_op:
        batch_op.drop_column("key_id")
        batch_op.drop_column("signature")
