"""finite amounts: CHECKs that stored figures are finite and not negative

Revision ID: 0007_finite_amounts
Revises: 0006_link_guesses

Before the constraints go on, rows that would break them are repaired:

- entries: a run whose distance, or a water whose volume, is missing (SQLite keeps NaN as
  NULL), negative, infinite or NaN is deleted, since the entry has no figure left to show;
  a bad optional figure (a run's time, a strength entry's sets, reps, weight or time) is
  set to NULL and the entry kept;
- goals with such an amount are deleted (the person sets the goal again);
- challenges with such a target are deleted, with their members (cascade); entries are
  untouched, since challenges only count them. The other challenges keep their members.

The expression `x >= 0 AND x <= <largest double>` refuses negatives, infinities and NaN on
both databases: PostgreSQL sorts NaN above every number, and SQLite stores NaN as NULL.

Create Date: 2026-12-04 18:00:00
"""

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0007_finite_amounts"
down_revision = "0006_link_guesses"
branch_labels = None
depends_on = None

FLOAT_MAX = "1.7976931348623157e308"
OPTIONAL = ("duration_s", "sets", "reps", "weight_kg")
REQUIRED = {"run": "distance_m", "water": "volume_ml"}


def _ok(column: str) -> str:
    return f"{column} >= 0 AND {column} <= {FLOAT_MAX}"


def _bad(column: str) -> str:
    """True for a present figure that breaks the check (NOT of NULL is NULL: kept)."""
    return f"NOT ({_ok(column)})"


def upgrade() -> None:
    for kind, column in REQUIRED.items():
        op.execute(
            sa.text(
                f"DELETE FROM entries WHERE kind = '{kind}' "
                f"AND ({column} IS NULL OR {_bad(column)})"
            )
        )
    for column in ("distance_m", "volume_ml"):  # on a kind that doesn't use it
        op.execute(sa.text(f"UPDATE entries SET {column} = NULL WHERE {_bad(column)}"))
    for column in OPTIONAL:
        op.execute(sa.text(f"UPDATE entries SET {column} = NULL WHERE {_bad(column)}"))
    op.execute(sa.text(f"DELETE FROM goals WHERE {_bad('amount')}"))
    op.execute(sa.text(f"DELETE FROM challenges WHERE {_bad('target')}"))

    with op.batch_alter_table("entries", schema=None) as batch_op:
        for column in ("distance_m", "duration_s", "sets", "reps", "weight_kg", "volume_ml"):
            batch_op.create_check_constraint(op.f(f"ck_entries_{column}_finite"), _ok(column))
        for kind, column in REQUIRED.items():
            batch_op.create_check_constraint(
                op.f(f"ck_entries_{kind}_has_{column.split('_')[0]}"),
                f"kind <> '{kind}' OR {column} IS NOT NULL",
            )
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_goals_amount_finite"), _ok("amount"))
    with _members_kept(), op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_challenges_target_finite"), _ok("target"))


@contextmanager
def _members_kept() -> Iterator[None]:
    """SQLite adds a CHECK by copying the table and dropping the old one, and with foreign
    keys on (they are, and can't be turned off inside the migration's transaction) the drop
    deletes every challenge's members by cascade. They are set aside and put back."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    op.execute(sa.text("CREATE TEMP TABLE kept_members AS SELECT * FROM challenge_members"))
    yield
    op.execute(sa.text("INSERT INTO challenge_members SELECT * FROM kept_members"))
    op.execute(sa.text("DROP TABLE kept_members"))


def downgrade() -> None:
    with _members_kept(), op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_constraint("ck_challenges_target_finite", type_="check")
    with op.batch_alter_table("goals", schema=None) as batch_op:
        batch_op.drop_constraint("ck_goals_amount_finite", type_="check")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        for name in ("water_has_volume", "run_has_distance"):
            batch_op.drop_constraint(f"ck_entries_{name}", type_="check")
        for column in ("volume_ml", "weight_kg", "reps", "sets", "duration_s", "distance_m"):
            batch_op.drop_constraint(f"ck_entries_{column}_finite", type_="check")
