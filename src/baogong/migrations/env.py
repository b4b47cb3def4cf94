"""Alembic environment: runs against the URL in the config or a connection passed in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context

import baogong.models  # noqa: F401  (registers every table)
from baogong.db import Base, make_engine
from baogong.types import Dec

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render our exact-decimal column type as the plain NUMERIC it stores."""
    if type_ == "type" and isinstance(obj, Dec):
        return f"sa.Numeric(precision=16, scale={obj.places})"
    return False


def run_migrations_offline() -> None:
    """Emit SQL for the configured URL without a connection."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Apply migrations over a live connection (the caller's, if it passed one)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(str(config.get_main_option("sqlalchemy.url")))
    with engine.connect() as conn:
        context.configure(
            connection=conn, target_metadata=target_metadata, render_as_batch=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
