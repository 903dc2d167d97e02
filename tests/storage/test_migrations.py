"""The migrated schema is the model's schema, on an empty database and on every rerun."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, text

from bot.events import Person
from storage.db import MIGRATIONS, Database, StorageUnavailable, upgrade
from storage.models import Base
from tests.storage.conftest import ANN, HOME, T0

MODEL_TABLES = set(Base.metadata.tables)


def schema_of(engine: Engine) -> dict[str, Any]:
    """Everything a migration could change, in a comparable form."""
    inspector = inspect(engine)
    shape: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        shape[table] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)
            ],
            "indexes": sorted(
                (i["name"] or "", tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(table)
            ),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
            "foreign_keys": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"])
                for f in inspector.get_foreign_keys(table)
            ),
        }
    with engine.connect() as connection:
        shape["@version"] = connection.execute(
            text("SELECT version_num FROM alembic_version")
        ).all()
    return shape


def migrations() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(migrations()).get_current_head()
    assert head is not None
    return head


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_upgrade_on_an_empty_database_creates_every_model_table(blank: Engine) -> None:
    assert inspect(blank).get_table_names() == []
    upgrade(blank)
    assert set(inspect(blank).get_table_names()) == MODEL_TABLES | {"alembic_version"}


def test_upgrading_twice_changes_nothing(blank: Engine) -> None:
    upgrade(blank)
    first = schema_of(blank)
    upgrade(blank)
    assert schema_of(blank) == first
    assert first["@version"] == [(head_revision(),)]


def test_migrated_schema_matches_the_models(blank: Engine) -> None:
    upgrade(blank)
    assert differences(blank) == []


def test_a_language_chosen_before_its_source_was_kept_stays_chosen_both_ways(
    blank: Engine,
) -> None:
    upgrade(blank, "0015")
    with blank.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO users (platform, platform_user_id, display_name, locale,"
                " locale_chosen, role, platform_roles, created_at, updated_at) VALUES"
                " ('slack', 'U-ANN', 'Ann', 'pt-BR', true, 'requester', '', :t, :t),"
                " ('slack', 'U-BO', 'Bo', 'en', false, 'requester', '', :t, :t)"
            ),
            {"t": T0},
        )
    upgrade(blank)
    with blank.connect() as connection:
        sources = connection.execute(
            text("SELECT platform_user_id, locale_source FROM users ORDER BY platform_user_id")
        ).all()
    assert sources == [("U-ANN", "chosen"), ("U-BO", "platform")]

    config = migrations()
    with blank.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    with blank.connect() as connection:
        chosen = connection.execute(
            text("SELECT platform_user_id, locale_chosen FROM users ORDER BY platform_user_id")
        ).all()
    assert chosen == [("U-ANN", True), ("U-BO", False)]


def test_the_test_databases_match_the_models_too(database: Database) -> None:
    assert differences(database.engine) == []


def test_open_on_a_new_sqlite_path_creates_a_ready_database(tmp_path: Path) -> None:
    path = tmp_path / "tier0.db"
    assert not path.exists()
    database = Database.open(f"sqlite:///{path}")
    try:
        assert path.exists()
        with database.unit_of_work() as store:
            store.save_user(ANN, "requester", T0)
            store.conversation(HOME, T0)
    finally:
        database.close()


def test_reopening_a_sqlite_file_keeps_its_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tier0.db'}"
    first = Database.open(url)
    with first.unit_of_work() as store:
        user_id = store.save_user(ANN, "requester", T0).id
    first.close()
    second = Database.open(url)
    try:
        with second.unit_of_work() as store:
            assert store.save_user(ANN, "requester", T0).id == user_id
            assert store.save_user(Person("slack", "U-NEW"), "requester", T0).id != user_id
    finally:
        second.close()


def test_open_in_a_missing_directory_says_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable, match="cannot reach the database"):
        Database.open(f"sqlite:///{tmp_path / 'missing' / 'tier0.db'}")


def test_open_rejects_a_url_that_is_not_one() -> None:
    with pytest.raises(StorageUnavailable, match="not a valid database URL"):
        Database.open("not a url")


def test_a_row_left_dangling_by_hand_does_not_stop_the_next_start(blank: Engine) -> None:
    """SQLite lets a hand edit delete a user its tickets point at; upgrading (every start
    does) still works, and only rows a migration itself would leave dangling stop it."""
    if blank.dialect.name != "sqlite":
        pytest.skip("only SQLite lets a foreign key point at nothing")
    upgrade(blank, "0015")
    raw = blank.raw_connection()  # as the sqlite3 shell does: foreign keys unchecked
    try:
        cursor = raw.cursor()
        cursor.execute("PRAGMA foreign_keys=OFF")
        cursor.execute(
            "INSERT INTO conversations (id, platform, channel, thread, kind, state, offered,"
            " created_at, updated_at) VALUES (1, 'slack', 'D1', '', 'requester', 'idle', '',"
            " '2024-05-01', '2024-05-01')"
        )
        cursor.execute(
            "INSERT INTO tickets (id, requester_id, conversation_id, status, tier, priority,"
            " subject, created_at, updated_at) VALUES (1, 99, 1, 'open', 1, 'normal', 'vpn',"
            " '2024-05-01', '2024-05-01')"
        )
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()

    upgrade(blank)
    upgrade(blank)

    with blank.connect() as connection:
        assert connection.execute(text("SELECT subject FROM tickets")).scalars().all() == ["vpn"]
