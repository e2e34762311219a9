"""link guesses: wrong /link codes, kept an hour to limit guessing

Revision ID: 0006_link_guesses
Revises: 0005_inbox
Create Date: 2026-12-04 18:31:19.138559
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_link_guesses"
down_revision = "0005_inbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_guesses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_link_guesses_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_link_guesses")),
    )
    with op.batch_alter_table("link_guesses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_link_guesses_guessed_at"), ["guessed_at"], unique=False
        )
        batch_op.create_index(
            "ix_link_guesses_user_id_guessed_at", ["user_id", "guessed_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("link_guesses", schema=None) as batch_op:
        batch_op.drop_index("ix_link_guesses_user_id_guessed_at")
        batch_op.drop_index(batch_op.f("ix_link_guesses_guessed_at"))
    op.drop_table("link_guesses")
