"""``tier0 kb gaps`` on a desk's database: the groups, their sizes and wordings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console

from bot.conversation.engine import Engine
from bot.settings import KBSettings, Settings
from kb import KnowledgeBase
from storage.db import Database
from tests.support.chat import Chat, FakeClock
from tier0.cli.gaps import cmd_gaps
from tier0.cli.main import build_parser

ASKED = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def run(config: Path, *options: str) -> str:
    args = build_parser().parse_args(["--config", str(config), "kb", "gaps", *options])
    console = Console(record=True, width=200)
    assert cmd_gaps(args, console, now=ASKED.replace(hour=12)) == 0
    return console.export_text()


def desk_asked(tmp_path: Path, kb: KnowledgeBase, questions: list[str]) -> Path:
    """A SQLite desk where each of ``questions`` went unanswered; its configuration file."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    database = Database.open(url)
    never_sure = Settings(kb=KBSettings(answer_threshold=1.0, suggest_threshold=1.0))
    clock = FakeClock(ASKED)
    chat = Chat(Engine(never_sure, kb, database.unit_of_work, clock), clock)
    for n, text in enumerate(questions):
        chat.say(text, f"asker{n}")
    database.close()
    config = tmp_path / "tier0.toml"
    config.write_text(f'[database]\nurl = "{url}"\n')
    return config


def test_gaps_lists_the_biggest_groups_with_their_wordings(
    tmp_path: Path, sample_kb: KnowledgeBase
) -> None:
    config = desk_asked(
        tmp_path,
        sample_kb,
        [
            "how do I book a meeting room in Lisbon",
            "book meeting room lisbon office",
            "the coffee machine on floor 2 is broken",
            "where do I book meeting rooms in lisbon?",
            "coffee machine on floor 2 is leaking",
            "my chair is broken",
        ],
    )

    shown = run(config, "--since", "1d")

    assert "KB gaps: 6 unanswered questions on all platforms" in shown
    rows = [line for line in shown.splitlines() if "│" in line and line.split("│")[1].strip()]
    assert [row.split("│")[1:4] for row in rows] == [
        [" 1 ", "     3 ", " how do I book a meeting room in Lisbon  "],
        [" 2 ", "     2 ", " the coffee machine on floor 2 is broken "],
    ]
    assert "No repeated unanswered question (0 unanswered on slack)" in run(
        config, "--platform", "slack"
    )


def test_the_askers_words_are_shown_as_typed_not_as_markup(
    tmp_path: Path, sample_kb: KnowledgeBase
) -> None:
    config = desk_asked(
        tmp_path,
        sample_kb,
        [f"the [/bold] coffee [link=http://evil.test]machine[/link] leaks {n}" for n in range(2)],
    )

    assert "[link=http://evil.test]machine[/link]" in run(config, "--since", "1d")
