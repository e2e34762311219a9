"""rules engine memory: rule firings, shown messages, indexes on live entries

Revision ID: 0003_rules
Revises: 0002_challenges
Create Date: 2026-11-25 16:40:00.353916
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_rules"
down_revision = "0002_challenges"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rule_firings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("rule", sa.String(length=60), nullable=False),
        sa.Column("once_key", sa.String(length=100), nullable=False),
        sa.Column("fired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_rule_firings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rule_firings")),
        sa.UniqueConstraint("audience", "rule", "once_key", name=op.f("uq_rule_firings_audience")),
    )
    with op.batch_alter_table("rule_firings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rule_firings_user_id"), ["user_id"], unique=False)

    op.create_table(
        "shown_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("recent", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_shown_messages_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_shown_messages")),
        sa.UniqueConstraint("audience", "category", name=op.f("uq_shown_messages_audience")),
    )
    with op.batch_alter_table("shown_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_shown_messages_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_entries_live_user_kind_day",
            ["user_id", "kind", "local_date"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.create_index(
            "ix_entries_live_user_day",
            ["user_id", "local_date"],
            unique=False,
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_entries_live_user_day",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )
        batch_op.drop_index(
            "ix_entries_live_user_kind_day",
            sqlite_where=sa.text("deleted_at IS NULL"),
            postgresql_where=sa.text("deleted_at IS NULL"),
        )

    with op.batch_alter_table("shown_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_shown_messages_user_id"))

    op.drop_table("shown_messages")
    with op.batch_alter_table("rule_firings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rule_firings_user_id"))

    op.drop_table("rule_firings")
