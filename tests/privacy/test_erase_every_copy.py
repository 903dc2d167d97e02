"""Erasure reaches every copy of a person's words that tier0 made, not only their own rows:
an agent quoting them in a card thread, an internal note quoting them on someone else's
ticket, a ticket another person opened from their message ("Create ticket"), and the KB
article learned from their ticket.

Console people: dana (platform id ``dana.e4711``) asks for help; carol asks too; alice is a
Service desk agent.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.config import SAMPLE_KB, Settings
from bot.engine import Engine
from bot.events import ArticleSubmitted, CommandIssued, MessageReceived, Place
from bot.learning import learned_folder
from bot.privacy import REMOVED, PersonalData, PrivacyStore, Quotes
from bot.records import Card
from kb import LiveKnowledgeBase
from storage.db import Database
from storage.privacy import privacy_unit_of_work
from tests.privacy.conftest import rows, stored_text
from tests.support.chat import Chat, FakeClock

DANA = "dana.e4711"
DANAS_QUESTION = "my badge E4711 stopped opening the Lisbon garage door"
DANAS_DETAIL = "The reader beeps twice and shows a red light. I park on level minus two."
DANAS_CHANNEL_POST = "the coffee machine on floor 3 leaks onto the carpet again"
CAROLS_QUESTION = "expense report for the Porto offsite is stuck"
CARD_THREAD = Place("console", "triage-1", "card-1")

AGENT_QUOTE = f'Dana wrote "{DANAS_QUESTION}", checking with facilities now'
NOTE_QUOTE = f"> {DANAS_DETAIL}\nsame reader as on the third floor"
ALICES_OWN_WORDS = "same reader as on the third floor"

DANAS_WORDS = (
    DANAS_QUESTION,
    "The reader beeps twice and shows a red light",
    "I park on level minus two",
    DANAS_CHANNEL_POST,
    "E4711",
    DANA,
)


@pytest.fixture
def kb_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    shutil.copy(SAMPLE_KB / "en" / "vpn-cannot-connect.md", folder)
    return folder


@pytest.fixture
def chat(database: Database, kb_folder: Path, clock: FakeClock) -> Chat:
    settings = Settings.model_validate({"kb": {"paths": [str(kb_folder)]}})
    kb = LiveKnowledgeBase([kb_folder])
    return Chat(Engine(settings, kb, database.unit_of_work, clock), clock, requester=DANA)


@pytest.fixture
def personal_data(chat: Chat, database: Database, kb_folder: Path) -> PersonalData:
    return PersonalData(
        privacy_unit_of_work(database), chat.clock, learned=learned_folder([kb_folder])
    )


@pytest.fixture
def copies(chat: Chat, kb_folder: Path) -> Chat:
    """Dana's words copied everywhere tier0 copies them, through the engine."""
    chat.say(DANAS_CHANNEL_POST)
    chat.command(f"new {DANAS_QUESTION}")  # T-1, Dana's
    chat.engine.attach_card("T-1", Card("console", 1, "triage-1", "card-1", "card-1"), CARD_THREAD)
    chat.command("claim T-1", who="alice")
    chat.say(DANAS_DETAIL)
    # An agent quoting Dana in her ticket's card thread (relayed to her).
    chat.send(MessageReceived(chat.person("alice"), CARD_THREAD, AGENT_QUOTE, message_id="t1"))
    chat.command(f"new {CAROLS_QUESTION}", who="carol")  # T-2, Carol's
    # An internal note on Carol's ticket quoting Dana.
    chat.command(f"note T-2 '{NOTE_QUOTE}'", who="alice")
    # Carol's "Create ticket" on Dana's post: a ticket of Carol's with Dana's words.
    chat.clock.advance(minutes=10)
    chat.send(
        CommandIssued(
            chat.person("carol"),
            chat.place("carol"),
            "new",
            (DANAS_CHANNEL_POST,),
            event_id="shortcut:1",
        )
    )
    chat.command("resolve T-1 'Facilities replaced the reader'", who="alice")
    chat.send(
        ArticleSubmitted(
            chat.person("alice"),
            chat.place("alice"),
            "T-1",
            "Badge does not open the garage",
            (DANAS_QUESTION, "garage door will not open"),
            "Facilities replace broken badge readers.",
            event_id="form-1",
        )
    )
    assert list((kb_folder / "learned").rglob("*.md")), "the article was not saved"
    return chat


def kb_text(kb_folder: Path) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8") for path in kb_folder.rglob("*") if path.is_file()
    )


def left_of_dana(database: Database, kb_folder: Path) -> list[str]:
    everything = (stored_text(database) + "\n" + kb_text(kb_folder)).casefold()
    return [words for words in DANAS_WORDS if words.casefold() in everything]


def test_every_copy_is_there_before(copies: Chat, database: Database, kb_folder: Path) -> None:
    assert left_of_dana(database, kb_folder) == list(DANAS_WORDS)


def test_erasure_leaves_no_copy_of_the_persons_words_in_any_table_or_learned_article(
    copies: Chat, database: Database, kb_folder: Path, personal_data: PersonalData
) -> None:
    counts = personal_data.erase(f"console:{DANA}", "cli:dpo")

    assert left_of_dana(database, kb_folder) == []
    assert list((kb_folder / "learned").rglob("*.md")) == []
    assert counts["learned_articles"] == 1 and counts["quoted"] > 0


def test_other_peoples_own_words_and_tickets_stay(
    copies: Chat, database: Database, kb_folder: Path, personal_data: PersonalData
) -> None:
    personal_data.erase(f"console:{DANA}", "cli:dpo")

    after = stored_text(database)
    assert CAROLS_QUESTION in after and ALICES_OWN_WORDS in after
    assert (kb_folder / "vpn-cannot-connect.md").exists()
    subjects = [subject for (subject,) in rows(database, "tickets", "subject")]
    assert subjects == [REMOVED, CAROLS_QUESTION, REMOVED]


def test_an_export_lists_the_copies_erasure_would_touch(
    copies: Chat, personal_data: PersonalData
) -> None:
    data = personal_data.export(f"console:{DANA}", "cli:dpo")

    [article] = data["learned_articles"]
    assert article["source_ticket"] == "T-1"
    places = {(copy["kind"], copy["ticket"]) for copy in data["copies"]}
    assert ("ticket_subject", "T-3") in places and ("message", "T-2") in places
    assert all(REMOVED not in json.dumps(copy["quoted"]) for copy in data["copies"])


def test_erasing_again_after_a_crash_before_commit_removes_the_article(
    copies: Chat, database: Database, kb_folder: Path, personal_data: PersonalData
) -> None:
    """The files go inside the database's transaction: a failure rolls everything back,
    and erasing again (the person is still known) finishes the job."""

    class Crash(Exception):
        pass

    @contextmanager
    def crashing_before_commit() -> Iterator[PrivacyStore]:
        with privacy_unit_of_work(database)() as store:
            yield store
            raise Crash

    crashing = PersonalData(crashing_before_commit, copies.clock, learned=kb_folder / "learned")
    with pytest.raises(Crash):
        crashing.erase(f"console:{DANA}", "cli:dpo")

    personal_data.erase(f"console:{DANA}", "cli:dpo")

    assert left_of_dana(database, kb_folder) == []


def test_a_quote_is_found_in_any_case_spacing_or_quoting_but_a_short_phrase_is_not() -> None:
    quotes = Quotes(
        ["Thanks, it works!\nThe reader beeps twice and shows a red light."], ["dana.e4711"]
    )

    note = "> the READER beeps twice\n>   and shows a red light\nThanks, it works! (dana.e4711)"
    assert quotes.redact(note) == f"> {REMOVED}\nThanks, it works! ({REMOVED})"
    assert quotes.redact("THE READER   beeps twice and shows a red light.") == f"{REMOVED}."
    assert quotes.redact("the readers beep twice and show a red light") == (
        "the readers beep twice and show a red light"
    )
