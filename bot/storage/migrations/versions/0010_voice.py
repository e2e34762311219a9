"""voice: whether a person chose their time zone

Revision ID: 0010_voice
Revises: 0009_pause

`users.tz_chosen` tells a zone picked on purpose (even UTC) from the UTC every person
starts with, so Steady stops suggesting /tz once someone has used it. People whose zone is
already something other than UTC chose it; those on UTC are taken not to have.

Create Date: 2026-12-04 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_voice"
down_revision = "0009_pause"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases: SQLite's batch mode would copy `users` and drop the
# old table, and with foreign keys on, that drop deletes every person's entries by cascade.
def upgrade() -> None:
    op.add_column(
        "users", sa.Column("tz_chosen", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.execute(sa.text("UPDATE users SET tz_chosen = true WHERE tz <> 'UTC'"))


def downgrade() -> None:
    op.execute(sa.text("ALTER TABLE users DROP COLUMN tz_chosen"))
