"""Start-up skips alembic when the database is already at the newest migration; that check
reads the migration files itself, so it must agree with alembic on what the newest is."""

from alembic import command
from alembic.script import ScriptDirectory

from bot.storage.db import Database, alembic_config, at_head, file_heads


def test_the_files_name_the_same_head_as_alembic(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'a.db'}")
    assert file_heads() == set(ScriptDirectory.from_config(alembic_config(db.engine)).get_heads())


def test_only_a_database_at_the_head_skips_the_upgrade(any_db_url, tmp_path):
    fresh = Database(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert not at_head(fresh.engine)  # no version table yet
    fresh.upgrade()
    assert at_head(fresh.engine)

    db = Database(any_db_url)  # migrated by the fixtures
    assert at_head(db.engine)
    script = ScriptDirectory.from_config(alembic_config(db.engine))
    older = script.get_revision(script.get_current_head()).down_revision
    command.stamp(alembic_config(db.engine), older)
    try:
        assert not at_head(db.engine)  # one migration behind: alembic runs
    finally:
        command.stamp(alembic_config(db.engine), "head")
        db.dispose()
        fresh.dispose()
