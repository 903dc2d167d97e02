"""Alembic environment: runs on the connection that ``storage.db.upgrade`` hands over."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine
from sqlalchemy.types import TypeDecorator

from storage.models import Base

config = context.config


def render_item(kind: str, obj: Any, _context: Any) -> str | bool:
    """Write the project's column types as their plain SQL types: migrations stay frozen."""
    if kind == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


OPTIONS: dict[str, Any] = {
    "target_metadata": Base.metadata,
    "render_as_batch": True,
    "render_item": render_item,
}
connection = config.attributes.get("connection")

if connection is None:
    # Plain `alembic` CLI use (e.g. `alembic revision --autogenerate` by a developer).
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///tier0.db")
    with engine.begin() as own_connection:
        context.configure(connection=own_connection, **OPTIONS)
        context.run_migrations()
else:
    context.configure(connection=connection, **OPTIONS)
    context.run_migrations()
