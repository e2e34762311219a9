"""reach: reminders set from a group, and files kept with replies

Revision ID: 0015_reach
Revises: 0014_reader

- reminder_invites: a /remind asked in a group where the bot may not write to the person
  first, waiting (hashed token, single use, expiring) for them to press Start privately;
- reply_files: the files a kept reply carried, replayed on redelivery, kept 48 hours;
- outbox.to_person: the message's chat id is a person's id, for the adapter to find their
  private chat (Discord opens a DM with anyone who shares a server with the bot).

Create Date: 2026-12-04 21:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015_reach"
down_revision = "0014_reader"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reminder_invites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("args", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_reminder_invites_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_invites")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reminder_invites_token_hash")),
    )
    with op.batch_alter_table("reminder_invites", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_invites_user_id"), ["user_id"])
        batch_op.create_index(batch_op.f("ix_reminder_invites_expires_at"), ["expires_at"])

    op.create_table(
        "reply_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handled_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("is_image", sa.Boolean(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["handled_id"],
            ["handled_messages.id"],
            name=op.f("fk_reply_files_handled_id_handled_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reply_files")),
    )
    with op.batch_alter_table("reply_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reply_files_handled_id"), ["handled_id"])
        batch_op.create_index(batch_op.f("ix_reply_files_created_at"), ["created_at"])

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("to_person", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("to_person")
    with op.batch_alter_table("reply_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reply_files_created_at"))
        batch_op.drop_index(batch_op.f("ix_reply_files_handled_id"))
    op.drop_table("reply_files")
    with op.batch_alter_table("reminder_invites", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_invites_expires_at"))
        batch_op.drop_index(batch_op.f("ix_reminder_invites_user_id"))
    op.drop_table("reminder_invites")
