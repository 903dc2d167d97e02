"""Test databases: every storage test runs on SQLite and on PostgreSQL.

SQLite gets a fresh copy of a migrated template file per test. PostgreSQL gets one
schema per test session (migrated once) and its tables are emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from storage.db import Database, upgrade
from storage.models import Base

POSTGRES_URL = os.environ.get(
    "TIER0_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TIER0_REQUIRE_POSTGRES", "") not in ("", "0")
TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy for each test (migrating once is the slow part)."""
    template = directory / "template.db"
    engine = _sqlite(template)
    upgrade(engine)
    engine.dispose()
    return template


def sqlite_database(template: Path, directory: Path) -> Database:
    path = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, path)
    return Database(_sqlite(path))


def _sqlite(path: Path) -> Engine:
    from storage.db import connect

    return connect(f"sqlite:///{path}")


def postgres_schema() -> Iterator[Engine | str]:
    """Yield an engine bound to a fresh, migrated schema, or the reason PostgreSQL is unusable."""
    schema = f"tier0_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        yield f"PostgreSQL not reachable at {POSTGRES_URL}: {str(error.orig).strip()[:200]}"
        return
    engine = create_engine(
        POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
    )
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def emptied(engine: Engine) -> Database:
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    return Database(engine)
