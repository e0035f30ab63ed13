"""at most one production version per project, kept by the database

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 06:00:00

Two promotions racing before this release could leave two production versions of a project.
The newest of them stays in production and the older ones are archived, then a partial unique
index keeps it so (SQLite and PostgreSQL both support partial indexes).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

PRODUCTION = sa.text("stage = 'production'")


def upgrade() -> None:
    op.execute(
        "UPDATE model_versions SET stage = 'archived' WHERE stage = 'production' AND version < "
        "(SELECT MAX(newer.version) FROM model_versions AS newer "
        "WHERE newer.project_id = model_versions.project_id AND newer.stage = 'production')"
    )
    op.create_index(
        "uq_model_versions_one_production",
        "model_versions",
        ["project_id"],
        unique=True,
        sqlite_where=PRODUCTION,
        postgresql_where=PRODUCTION,
    )


def downgrade() -> None:
    op.drop_index("uq_model_versions_one_production", table_name="model_versions")
