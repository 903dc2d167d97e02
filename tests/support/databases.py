"""Test databases: every storage test runs on SQLite and on PostgreSQL.

SQLite gets a fresh copy of a migrated template file per test. PostgreSQL gets one
schema per test session (migrated once) and its tables are emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from bot.store import Store
from storage.db import Database, upgrade
from storage.models import Base

POSTGRES_URL = os.environ.get(
    "TIER0_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REQUIRE_POSTGRES = os.environ.get("TIER0_REQUIRE_POSTGRES", "") not in ("", "0")
TABLES = ", ".join(table.name for table in Base.metadata.sorted_tables)
POSTGRES_SKIPS: list[str] = []
"""Tests that did not run on PostgreSQL because it was unreachable (said in the summary)."""


class Backend(Protocol):
    """A storage implementation under test: one ``Store`` per unit of work (a
    ``Database`` on SQLite or PostgreSQL, or ``tests.fakes.memory.MemoryDatabase``)."""

    def unit_of_work(self) -> AbstractContextManager[Store]: ...


def for_test(
    request: pytest.FixtureRequest, backend: str, directory: Path, sqlite_template: Path
) -> Database:
    """A migrated, empty database on ``backend`` ("sqlite" or "postgresql") for one test;
    without PostgreSQL the test is skipped, or fails when TIER0_REQUIRE_POSTGRES is set."""
    if backend == "sqlite":
        return sqlite_database(sqlite_template, directory)
    postgres = request.getfixturevalue("_postgres")
    if isinstance(postgres, str):
        if REQUIRE_POSTGRES:
            pytest.fail(f"TIER0_REQUIRE_POSTGRES is set but {postgres}")
        POSTGRES_SKIPS.append(request.node.nodeid)
        pytest.skip(postgres)
    return emptied(postgres)


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


class PostgresUnavailable(Exception):
    """PostgreSQL cannot be used for this test run; the message says where and why."""


@contextmanager
def fresh_schema(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema (its name), dropped with everything in it afterwards."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as error:
        admin.dispose()
        reason = str(error.orig).strip()[:200]
        raise PostgresUnavailable(f"PostgreSQL not reachable at {POSTGRES_URL}: {reason}") from None
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def fresh_schema_or_skip(prefix: str) -> Iterator[str]:
    """``fresh_schema`` for a test: without PostgreSQL the test is skipped, or fails when
    TIER0_REQUIRE_POSTGRES is set (as in CI), so a missing server never passes silently."""
    with ExitStack() as cleanup:
        try:
            schema = cleanup.enter_context(fresh_schema(prefix))
        except PostgresUnavailable as unavailable:
            if REQUIRE_POSTGRES:
                pytest.fail(f"TIER0_REQUIRE_POSTGRES is set but {unavailable}")
            pytest.skip(str(unavailable))
        yield schema


def process_url(schema: str) -> str:
    """The URL a tier0 process (plain ``postgresql://``, as users write it) uses for ``schema``."""
    url = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://", 1)
    return f"{url}?options=-csearch_path%3D{schema}"


def schema_engine(schema: str) -> Engine:
    """An engine whose tables live in ``schema``."""
    return create_engine(
        POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"}, pool_pre_ping=True
    )


def postgres_schema() -> Iterator[Engine | str]:
    """Yield an engine bound to a fresh, migrated schema, or the reason PostgreSQL is unusable."""
    with ExitStack() as cleanup:
        try:
            schema = cleanup.enter_context(fresh_schema("tier0_test"))
        except PostgresUnavailable as unavailable:
            yield str(unavailable)
            return
        engine = schema_engine(schema)
        cleanup.callback(engine.dispose)
        upgrade(engine)
        yield engine


def emptied(engine: Engine) -> Database:
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    return Database(engine)
