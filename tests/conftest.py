from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

from bot.clock import FixedClock
from bot.core import Core
from bot.services import build_core
from bot.settings import Settings
from bot.storage.db import Database
from tests.support import Chat, empty_all_tables, postgres_database

# CI explores the same examples each run (a failure there is one anyone can repeat); runs
# elsewhere keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it instead of migrating again."""
    path = tmp_path_factory.mktemp("template") / "steady.db"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    path = tmp_path / "steady.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    with postgres_database() as url:
        db = Database(url)
        db.upgrade()
        db.dispose()
        yield url


@pytest.fixture
def pg_url(pg_session_url: str) -> str:
    db = Database(pg_session_url)
    empty_all_tables(db.engine)
    db.dispose()
    return pg_session_url


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest) -> str:
    """Run a test on both databases."""
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    return request.getfixturevalue(name)


@pytest.fixture
def make_core(clock: FixedClock) -> Iterator[Callable[..., Core]]:
    cores: list[Core] = []

    def make(url: str, **settings: object) -> Core:
        core = build_core(Settings(database_url=url, **settings), clock, migrate=False)
        cores.append(core)
        return core

    yield make
    for core in cores:
        core.services.db.dispose()


@pytest.fixture
def core(make_core: Callable[..., Core], sqlite_url: str) -> Core:
    return make_core(sqlite_url)


@pytest.fixture
def chat(core: Core) -> Chat:
    return Chat(core)
