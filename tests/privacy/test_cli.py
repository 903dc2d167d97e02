"""``tier0 privacy export|erase|log`` on the database named by DATABASE_URL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.learning.save_article import learned_folder
from bot.settings import SAMPLE_KB
from kb import LiveKnowledgeBase
from kb.index_cache import IndexCache
from kb.writer import NewArticle, write_article
from storage.db import Database
from tests.privacy.conftest import YOUR_QUESTION, History, stored_text
from tests.support.databases import POSTGRES_URL
from tier0.cli.main import main


def url_of(database: Database) -> str:
    """A URL another process (here: the CLI) can open the test's database with."""
    if database.engine.dialect.name == "sqlite":
        return database.engine.url.render_as_string(hide_password=False)
    with database.engine.connect() as connection:
        schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"


@pytest.fixture
def cli_env(history: History, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> History:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIER0_CONFIG", raising=False)
    monkeypatch.setenv("DATABASE_URL", url_of(history.database))
    return history


def test_export_prints_the_persons_data_as_json(
    cli_env: History, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "export", "--user", "console:you", "--actor", "dpo"]) == 0

    data = json.loads(capsys.readouterr().out)
    assert data["tickets"][0]["subject"] == YOUR_QUESTION


def test_export_writes_a_file_when_asked(cli_env: History, tmp_path: Path) -> None:
    out = tmp_path / "you.json"

    assert main(["privacy", "export", "--user", "console:you", "--out", str(out)]) == 0

    assert json.loads(out.read_text(encoding="utf-8"))["person"]["platform_id"] == "you"


def test_erase_needs_confirmation_and_changes_nothing_without_it(
    cli_env: History, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["privacy", "erase", "--user", "console:you"]) == 2

    assert "--yes" in capsys.readouterr().err
    assert YOUR_QUESTION in stored_text(cli_env.database)


def test_erase_removes_the_text_and_the_log_shows_both_actions(
    cli_env: History, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["privacy", "export", "--user", "console:you", "--actor", "dpo"])
    assert main(["privacy", "erase", "--user", "console:you", "--yes", "--actor", "dpo"]) == 0

    assert "Erased console:you" in capsys.readouterr().out
    assert YOUR_QUESTION not in stored_text(cli_env.database)
    assert main(["privacy", "log"]) == 0
    log = capsys.readouterr().out
    assert log.index("erase") < log.index("export")  # newest first
    assert "dpo" in log


@pytest.mark.parametrize(
    ("user", "code", "says"),
    [("console:nobody", 1, "no one is stored as console:nobody"), ("nobody", 2, "PLATFORM:ID")],
)
def test_an_unknown_or_malformed_person_is_an_error_that_says_why(
    cli_env: History, capsys: pytest.CaptureFixture[str], user: str, code: int, says: str
) -> None:
    assert main(["privacy", "erase", "--user", user, "--yes"]) == code

    assert says in capsys.readouterr().err


def test_erase_removes_the_articles_learned_from_the_persons_tickets_and_the_index_builds(
    cli_env: History, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "vpn.md").write_bytes((SAMPLE_KB / "en" / "vpn-cannot-connect.md").read_bytes())
    config = '[kb]\npaths = ["kb"]\ncache_dir = "kb-index"\n'
    (tmp_path / "tier0.toml").write_text(config, encoding="utf-8")
    learned = learned_folder([kb])
    yours = write_article(learned, learned_article("Book a room", YOUR_QUESTION, "T-1"), ())
    carols = write_article(learned, learned_article("Expenses", "expense report stuck", "T-2"), ())
    LiveKnowledgeBase([kb], cache=IndexCache(tmp_path / "kb-index"))
    assert list((tmp_path / "kb-index").glob("*.idx"))

    assert main(["privacy", "export", "--user", "console:you"]) == 0
    exported = json.loads(capsys.readouterr().out)["learned_articles"]
    assert [(a["id"], a["source_ticket"]) for a in exported] == [(yours.id, "T-1")]
    assert main(["privacy", "erase", "--user", "console:you", "--yes"]) == 0

    assert "learned_articles 1" in capsys.readouterr().out
    assert not yours.path.exists() and carols.path.exists() and (kb / "vpn.md").exists()
    assert not list((tmp_path / "kb-index").glob("*.idx"))


def learned_article(title: str, question: str, ticket: str) -> NewArticle:
    return NewArticle(title, (question,), "The answer.", "all", "en", "console:alice", ticket)
