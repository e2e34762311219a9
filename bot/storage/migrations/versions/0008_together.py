"""together: group goals, and who may start a group's challenges

Revision ID: 0008_together
Revises: 0007_finite_amounts

`challenges.mode` is "each" (every member aims for the target) or "together" (the members'
figures add up to one shared target); existing challenges are "each". `groups.challenge_starters`
is "everyone" or "admins". Both columns are added in place (SQLite's ADD COLUMN), so no table
is copied and no member row is touched.

Create Date: 2026-12-04 21:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008_together"
down_revision = "0007_finite_amounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "challenges",
        sa.Column("mode", sa.String(length=10), server_default="each", nullable=False),
    )
    op.add_column(
        "groups",
        sa.Column(
            "challenge_starters", sa.String(length=10), server_default="everyone", nullable=False
        ),
    )


def downgrade() -> None:
    # Dropped in place too (SQLite 3.35+): a batch copy of either table would cascade
    # deletes through its foreign keys (see 0007's _members_kept).
    op.drop_column("groups", "challenge_starters")
    op.drop_column("challenges", "mode")
