"""timed sets: entries.set_s, each set's seconds ("plank 3x60s")

Revision ID: 0014_reader
Revises: 0013_files
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0014_reader"
down_revision = "0013_files"
branch_labels = None
depends_on = None

FLOAT_MAX = "1.7976931348623157e308"


def upgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.add_column(sa.Column("set_s", sa.Float(), nullable=True))
        batch.create_check_constraint("set_s_finite", f"set_s >= 0 AND set_s <= {FLOAT_MAX}")


def downgrade() -> None:
    with op.batch_alter_table("entries") as batch:
        batch.drop_constraint("set_s_finite", type_="check")
        batch.drop_column("set_s")
