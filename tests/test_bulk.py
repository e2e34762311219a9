"""Fan-out statements (bot/storage/bulk.py) behave the same on both databases."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.storage import bulk
from bot.storage.models import ShownMessages, User

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_insert_many_skips_rows_whose_key_exists_and_counts_the_rest(make_core, any_db_url):
    db = make_core(any_db_url).services.db
    rows = [
        {"id": 1, "display_name": "Zoë 🏃", "tz": "Europe/Berlin"},
        {"id": 2, "display_name": "Ben", "tz": "UTC"},
    ]
    shared = {"units": "metric", "encourage": True, "created_at": NOW}
    with db.unit_of_work() as session:
        assert bulk.insert_many(session, User.__table__, rows[:1], shared=shared) == 1
    with db.unit_of_work() as session:
        assert bulk.insert_many(session, User.__table__, rows, shared=shared) == 1
    with db.unit_of_work() as session:
        people = session.execute(select(User.display_name, User.created_at).order_by(User.id))
        assert people.all() == [("Zoë 🏃", NOW), ("Ben", NOW)]


def test_upsert_many_adds_new_rows_and_changes_only_the_named_columns(make_core, any_db_url):
    db = make_core(any_db_url).services.db
    with db.unit_of_work() as session:
        session.add(User(id=7, display_name="Ana", created_at=NOW))
        session.flush()
        session.add(
            ShownMessages(
                audience="user:7", user_id=7, category="hydration", recent=["a"], updated_at=NOW
            )
        )
    later = NOW + timedelta(hours=1)
    rows = [
        {"audience": "user:7", "user_id": 7, "category": "hydration", "recent": ["a", "b"]},
        {"audience": "user:7", "user_id": 7, "category": "patience", "recent": ["ç"]},
    ]
    with db.unit_of_work() as session:
        bulk.upsert_many(
            session,
            ShownMessages.__table__,
            ("audience", "category"),
            rows,
            changes=("recent", "updated_at"),
            shared={"updated_at": later},
        )
    with db.unit_of_work() as session:
        found = session.execute(
            select(ShownMessages.category, ShownMessages.recent, ShownMessages.updated_at).order_by(
                ShownMessages.category
            )
        ).all()
    assert found == [("hydration", ["a", "b"], later), ("patience", ["ç"], later)]
