"""Fixtures shared by the whole suite: databases on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from storage.db import Database
from tests.support import databases

_postgres_skips: list[str] = []


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return databases.sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _postgres() -> Iterator[Engine | str]:
    yield from databases.postgres_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[Database]:
    """A migrated, empty database: each test using it runs once per backend."""
    if request.param == "sqlite":
        db = databases.sqlite_database(_sqlite_template, tmp_path)
    else:
        postgres = request.getfixturevalue("_postgres")
        if isinstance(postgres, str):
            if databases.REQUIRE_POSTGRES:
                pytest.fail(f"TIER0_REQUIRE_POSTGRES is set but {postgres}")
            _postgres_skips.append(request.node.nodeid)
            pytest.skip(postgres)
        db = databases.emptied(postgres)
    yield db
    db.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skips:
        terminalreporter.section("PostgreSQL NOT TESTED", sep="!", red=True, bold=True)
        terminalreporter.write_line(
            f"{len(_postgres_skips)} storage tests did not run on PostgreSQL because it was "
            "unreachable; only SQLite was tested. Start PostgreSQL (see README) and rerun."
        )
