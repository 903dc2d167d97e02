"""`tier0 tickets list|show|export` and `tier0 db upgrade` on a database with a real ticket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.events import ButtonPressed, CommandIssued, MessageReceived, Person, Place
from tier0.app import App, build_app
from tier0.cli.main import main
from tier0.config import load_settings

YOU = Person("console", "you", "Ann")
ALICE = Person("console", "alice", "Alice")


def new_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, columns: int = 200) -> App:
    """tier0 on a SQLite file that the CLI, run from ``tmp_path``, reads too."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'desk.db'}")
    monkeypatch.setenv("COLUMNS", str(columns))
    return build_app(load_settings())


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A SQLite desk with T-1: asked, claimed, answered, noted internally."""
    app = new_desk(tmp_path, monkeypatch)
    here, agent = Place("console", "main"), Place("console", "agent:alice")
    app.engine.handle(MessageReceived(YOU, here, "the badge reader at door 3 beeps red", "m1"))
    app.engine.handle(
        CommandIssued(ALICE, agent, "reply", ("T-1", "try re-enrolling the badge"), "c1")
    )
    app.engine.handle(CommandIssued(ALICE, agent, "note", ("T-1", "facilities owns door 3"), "c2"))
    app.close()


def test_list_shows_tickets_newest_first(desk: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tickets", "list", "--status", "active"]) == 0

    out = capsys.readouterr().out
    assert "T-1" in out and "waiting_on_user" in out and "Ann" in out and "Alice" in out


def test_show_has_the_history_and_the_whole_transcript(
    desk: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tickets", "show", "t-1"]) == 0

    out = capsys.readouterr().out
    for expected in ("opened", "claimed", "agent_replied", "try re-enrolling", "facilities owns"):
        assert expected in out


def test_show_says_when_the_bot_tried_nothing(
    desk: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tickets", "show", "T-1"]) == 0

    assert "Bot tried: nothing: no article was shown" in capsys.readouterr().out


def test_show_lists_the_articles_the_bot_tried_and_how_each_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    app = new_desk(tmp_path, monkeypatch)
    here = Place("console", "main")
    app.engine.handle(MessageReceived(YOU, here, "my vpn won't connect", "m1"))
    app.engine.handle(ButtonPressed(YOU, here, "still_need_help", "vpn-cannot-connect", "b1"))
    app.close()

    assert main(["tickets", "show", "T-1"]) == 0

    out = capsys.readouterr().out
    assert "my vpn won't connect" in out
    assert re.search(
        r"VPN won't connect \(vpn-cannot-connect\) +│ +\d+% sure +│ +answered with: did not help",
        out,
    )


def test_export_leaves_internal_notes_out_unless_asked(
    desk: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tickets", "export", "T-1"]) == 0
    customer_copy = capsys.readouterr().out
    assert main(["tickets", "export", "T-1", "--internal", "--out", str(tmp_path / "t1.txt")]) == 0
    internal_copy = (tmp_path / "t1.txt").read_text(encoding="utf-8")

    assert "the badge reader at door 3 beeps red" in customer_copy
    assert "Alice:\n  try re-enrolling the badge" in customer_copy
    assert "facilities owns door 3" not in customer_copy
    assert "Alice [internal note]:\n  facilities owns door 3" in internal_copy


def test_a_missing_ticket_is_reported(desk: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tickets", "export", "T-99"]) == 1
    assert "No ticket T-99" in capsys.readouterr().err


def test_db_upgrade_is_idempotent(desk: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["db", "upgrade"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_an_unreachable_database_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")

    assert main(["tickets", "list"]) == 2
    assert "tier0: database error: cannot reach the database" in capsys.readouterr().err


@pytest.fixture
def hostile_desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """T-1 opened by a requester whose name and words carry Rich markup and terminal codes."""
    app = new_desk(tmp_path, monkeypatch, columns=300)
    mallory = Person("console", "mallory", "Mal\u202eyrol\x1b[2J")
    text = "talk to a human: leaking [/bold] and [link=http://evil.test]click me[/link] \x1b[5m"
    app.engine.handle(MessageReceived(mallory, Place("console", "main"), text, "m1"))
    app.close()


@pytest.mark.parametrize("command", [["tickets", "list"], ["tickets", "show", "T-1"]])
def test_a_requesters_words_are_shown_as_typed_never_as_markup_or_terminal_codes(
    hostile_desk: None, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    assert main(command) == 0

    out = capsys.readouterr().out
    assert "[link=http://evil.test]click me[/link]" in out or "[/bold]" in out
    assert "\x1b" not in out and "\u202e" not in out
