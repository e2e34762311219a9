"""pause: a history of pauses (the streak freezes their days) and open-ended pauses

Revision ID: 0009_pause
Revises: 0008_together

`nudge_state.paused_open` is an open-ended pause (until /resume), a state of its own; an
empty `paused_until` still means "no timed pause". `pauses` keeps every pause, past ones
too, with the local days it covered. A pause already running is written into the history,
from the day of the migration (when it began was never kept).

Create Date: 2026-12-04 21:40:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0009_pause"
down_revision = "0008_together"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("nudge_state", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("paused_open", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    pauses = op.create_table(
        "pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_in_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_pauses_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_pauses_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pauses")),
    )
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pauses_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_pauses_open_unchecked",
            ["started_at"],
            unique=False,
            sqlite_where=sa.text("ends_at IS NULL AND checked_in_at IS NULL"),
            postgresql_where=sa.text("ends_at IS NULL AND checked_in_at IS NULL"),
        )
    _running_pauses_into_history(pauses)


def _running_pauses_into_history(pauses: sa.Table) -> None:
    """Timed pauses still running become history rows from today (UTC) to their end."""
    now = datetime.now(UTC)
    state = sa.table(
        "nudge_state", sa.column("user_id", sa.Integer), sa.column("paused_until", sa.DateTime)
    )
    bind = op.get_bind()
    running = []
    for user_id, until in bind.execute(
        sa.select(state.c.user_id, state.c.paused_until).where(state.c.paused_until.is_not(None))
    ):
        until = until if until.tzinfo else until.replace(tzinfo=UTC)  # SQLite's are naive UTC
        if until > now:
            running.append((user_id, until))
    if running:
        bind.execute(
            pauses.insert(),
            [
                {
                    "user_id": user_id,
                    "starts_on": now.date(),
                    "ends_on": until.date(),
                    "started_at": now,
                    "ends_at": until,
                    "created_at": now,
                }
                for user_id, until in running
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("pauses", schema=None) as batch_op:
        batch_op.drop_index("ix_pauses_open_unchecked")
        batch_op.drop_index(batch_op.f("ix_pauses_user_id"))
    op.drop_table("pauses")
    with op.batch_alter_table("nudge_state", schema=None) as batch_op:
        batch_op.drop_column("paused_open")
