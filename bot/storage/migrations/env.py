"""Alembic environment: the engine comes from Steady (bot.storage.db), never from an ini file."""

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext

from bot.storage.models import Base, UTCDateTime


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Migrations name plain SQLAlchemy types, so they never import the models."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


engine = context.config.attributes["engine"]

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=render_item,
    )
    context.run_migrations()
