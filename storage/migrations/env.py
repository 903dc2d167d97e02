"""Alembic environment: runs on the connection that ``storage.db.upgrade`` hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from storage.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    # Plain `alembic` CLI use (e.g. `alembic revision --autogenerate` by a developer).
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///tier0.db")
    with engine.begin() as own_connection:
        context.configure(
            connection=own_connection, target_metadata=Base.metadata, render_as_batch=True
        )
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    context.run_migrations()
