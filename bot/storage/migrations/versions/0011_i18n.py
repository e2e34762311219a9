"""languages: the language a person chose and the one their app reports; a group's choice

Revision ID: 0011_i18n
Revises: 0010_voice

All three are NULL until set: a person without a choice speaks their app's language (or
English), a group without one the language most of its members speak.

Create Date: 2026-12-04 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011_i18n"
down_revision = "0010_voice"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases: SQLite's batch mode would copy `users` and `groups`
# and drop the old tables, and with foreign keys on, that drop deletes their rows' children
# (entries, challenge members) by cascade.
def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(length=8), nullable=True))
    op.add_column("users", sa.Column("app_language", sa.String(length=8), nullable=True))
    op.add_column("groups", sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    op.execute(sa.text("ALTER TABLE groups DROP COLUMN language"))
    op.execute(sa.text("ALTER TABLE users DROP COLUMN app_language"))
    op.execute(sa.text("ALTER TABLE users DROP COLUMN language"))
