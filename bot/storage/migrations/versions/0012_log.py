"""entry numbers: each person's entries counted 1, 2, 3... for /edit and /delete

Revision ID: 0012_log
Revises: 0011_i18n

Existing entries are numbered per person in the order they were for (their day), then the
order they were logged, then their id, undone ones included: a number once given is never
given again. A unique key on (user_id, number) keeps two entries of one person apart.

Create Date: 2026-12-04 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0012_log"
down_revision = "0011_i18n"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("number", sa.Integer(), nullable=True))
    op.execute(
        sa.text(
            "UPDATE entries SET number = (SELECT numbered.n FROM (SELECT id, ROW_NUMBER() OVER "
            "(PARTITION BY user_id ORDER BY local_date, logged_at, id) AS n FROM entries) "
            "AS numbered WHERE numbered.id = entries.id)"
        )
    )
    # On SQLite this copies the table; no other table refers to entries, so nothing cascades.
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.alter_column("number", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(op.f("uq_entries_user_id"), ["user_id", "number"])


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_entries_user_id", type_="unique")
        batch_op.drop_column("number")
