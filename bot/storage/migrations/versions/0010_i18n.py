"""languages: the language a person chose and the one their app reports; a group's choice

Revision ID: 0010_i18n
Revises: 0009_pause

All three are NULL until set: a person without a choice speaks their app's language (or
English), a group without one the language most of its members speak.

Create Date: 2026-12-04 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010_i18n"
down_revision = "0009_pause"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("app_language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("app_language")
        batch_op.drop_column("language")
