"""queued: a chat's later events wait queued, so a claim reads only what it may take

Revision ID: 0016_queued
Revises: 0015_reach

- inbox.state 'queued': an event behind an older open event of its chat; the oldest open
  event of each chat is 'waiting' (or 'working'). Events waiting at the upgrade behind an
  older one of their chat become queued.
- ix_inbox_ready (platform, id), on waiting and working events: the claim walks these
  oldest first, a platform at a time.
- ix_inbox_open_chat (chat_key, id), on queued, waiting and working events: a chat's older
  open event, and its next queued one, found without reading its done events.

Create Date: 2026-12-05 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_queued"
down_revision = "0015_reach"
branch_labels = None
depends_on = None

READY = sa.text("state IN ('waiting', 'working')")
OPEN = sa.text("state IN ('queued', 'waiting', 'working')")


def upgrade() -> None:
    op.execute(
        "UPDATE inbox SET state = 'queued' WHERE state = 'waiting' AND EXISTS (SELECT 1 "
        "FROM inbox AS older WHERE older.chat_key = inbox.chat_key AND older.id < inbox.id "
        "AND older.state IN ('waiting', 'working'))"
    )
    op.create_index(
        "ix_inbox_ready", "inbox", ["platform", "id"], sqlite_where=READY, postgresql_where=READY
    )
    op.create_index(
        "ix_inbox_open_chat",
        "inbox",
        ["chat_key", "id"],
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.execute("UPDATE inbox SET state = 'waiting' WHERE state = 'queued'")
    op.drop_index("ix_inbox_open_chat", table_name="inbox")
    op.drop_index("ix_inbox_ready", table_name="inbox")
