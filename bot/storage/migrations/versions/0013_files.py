"""workout files: entries remember the workout file they came from

Revision ID: 0013_files
Revises: 0012_log

`entries.source_key` names what an entry was read from when that can arrive again in another
message (a workout file's start time); one live entry per person and key.

Create Date: 2026-12-04 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013_files"
down_revision = "0012_log"
branch_labels = None
depends_on = None

LIVE_WITH_KEY = "deleted_at IS NULL AND source_key IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ux_entries_live_user_source_key",
            ["user_id", "source_key"],
            unique=True,
            sqlite_where=sa.text(LIVE_WITH_KEY),
            postgresql_where=sa.text(LIVE_WITH_KEY),
        )


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(
            "ux_entries_live_user_source_key",
            sqlite_where=sa.text(LIVE_WITH_KEY),
            postgresql_where=sa.text(LIVE_WITH_KEY),
        )
        batch_op.drop_column("source_key")
