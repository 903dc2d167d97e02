"""Erasure reaches every copy of a person's words that tier0 made, not only their own rows:
an agent quoting them in a card thread, an internal note quoting them on someone else's
ticket, a ticket another person opened from their message ("Create ticket"), the KB
article learned from their ticket and the index caches built from it. Everything written
on their own tickets is theirs too, agents' card-thread messages and notes included.

Console people: dana (platform id ``dana.e4711``) asks for help; carol asks too; alice is a
Service desk agent, bob a Specialists agent; dan (``dan.w9921``) never writes to tier0.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.conversation.engine import Engine
from bot.events import ArticleSubmitted, CommandIssued, MessageReceived, Person, Place
from bot.learning.save_article import learned_folder
from bot.privacy.personal_data import PersonalData, PrivacyStore
from bot.privacy.traces import REMOVED, Quotes
from bot.records import Card
from bot.settings import SAMPLE_KB, Settings
from kb import LiveKnowledgeBase
from kb.index_cache import IndexCache
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
# Alice in the card thread of Dana's ticket: a reply (relayed to Dana) and a note.
CARD_REPLY = "Dana, your temporary garage PIN is 4417-ALPHA"
CARD_NOTE = "!note dana told me DANNOTE-3 about her home address"
ON_DANAS_TICKET = ("4417-ALPHA", "DANNOTE-3")

DAN = "dan.w9921"
DANS_POST = "DANSHORT-9 printer on floor 3 leaks my salary slips"

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
def index_caches(tmp_path: Path) -> Path:
    return tmp_path / "kb-index"


@pytest.fixture
def personal_data(
    chat: Chat, database: Database, kb_folder: Path, index_caches: Path
) -> PersonalData:
    return PersonalData(
        privacy_unit_of_work(database),
        chat.clock,
        learned=learned_folder([kb_folder]),
        index_caches=index_caches,
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
    chat.send(MessageReceived(chat.person("alice"), CARD_THREAD, CARD_REPLY, message_id="t2"))
    chat.send(MessageReceived(chat.person("alice"), CARD_THREAD, CARD_NOTE, message_id="t3"))
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


def test_everything_written_on_the_persons_own_ticket_goes_and_its_numbers_stay(
    copies: Chat, database: Database, personal_data: PersonalData
) -> None:
    """Agents' card-thread messages and notes about Dana's ticket are about her: erased,
    and exported only with the internal notes (a card thread is staff working material)."""
    assert all(words in stored_text(database) for words in ON_DANAS_TICKET)
    plain = json.dumps(personal_data.export(f"console:{DANA}", "cli:dpo"))
    internal = json.dumps(personal_data.export(f"console:{DANA}", "cli:dpo", internal_notes=True))
    assert "DANNOTE-3" not in plain and all(words in internal for words in ON_DANAS_TICKET)
    statuses = rows(database, "tickets", "status", "first_response_at", "resolved_at")

    personal_data.erase(f"console:{DANA}", "cli:dpo")

    after = stored_text(database)
    assert [words for words in ON_DANAS_TICKET if words in after] == []
    assert rows(database, "tickets", "status", "first_response_at", "resolved_at") == statuses


def test_an_index_cache_built_from_the_learned_article_goes_with_it(
    copies: Chat, kb_folder: Path, index_caches: Path, personal_data: PersonalData
) -> None:
    LiveKnowledgeBase([kb_folder], cache=IndexCache(index_caches))
    [cache] = index_caches.glob("*.idx")
    assert b"e4711" in cache.read_bytes().lower()

    personal_data.erase(f"console:{DANA}", "cli:dpo")

    left = [path for path in index_caches.rglob("*") if b"e4711" in path.read_bytes().lower()]
    assert left == []


def test_an_article_named_after_the_persons_question_leaves_no_trace_of_its_name(
    chat: Chat, database: Database, kb_folder: Path, personal_data: PersonalData
) -> None:
    """Saved with the draft's title, the question itself: the article's id, made from it,
    is quoted in the agent's confirmation and the ticket's history."""
    chat.command(f"new {DANAS_QUESTION}")
    chat.command("resolve T-1 'Facilities replaced the reader'", who="alice")
    chat.send(
        ArticleSubmitted(
            chat.person("alice"),
            chat.place("alice"),
            "T-1",
            DANAS_QUESTION,
            (DANAS_QUESTION,),
            "Facilities replace broken badge readers.",
            event_id="form-2",
        )
    )
    [article] = (kb_folder / "learned").rglob("*.md")
    assert article.stem in stored_text(database)

    personal_data.erase(f"console:{DANA}", "cli:dpo")

    assert article.stem not in stored_text(database)


@pytest.fixture
def shortcut_on_dans_post(chat: Chat) -> Chat:
    """Carol's "Create ticket" on a channel post of Dan's that tier0 never stored (its
    author comes with the shortcut); bob then lists the open tickets."""
    chat.send(
        CommandIssued(
            chat.person("carol"),
            chat.place("carol"),
            "new",
            (DANS_POST,),
            event_id="shortcut:2",
            quoting=Person("console", DAN),
        )
    )
    chat.command("tickets", who="bob")
    return chat


def test_create_ticket_on_a_post_tier0_never_saw_is_exported_and_erased_with_its_author(
    shortcut_on_dans_post: Chat, database: Database, personal_data: PersonalData
) -> None:
    assert stored_text(database).count("DANSHORT-9") > 3  # subject, command, outbox, replies

    data = personal_data.export(f"console:{DAN}", "cli:dpo")
    assert [m["text"] for m in data["messages"]] == [DANS_POST]
    assert data["tickets"] == [] and data["conversations"] == []  # Dan asked nothing
    kinds = {copy["kind"] for copy in data["copies"]}
    assert {"ticket_subject", "message", "conversation", "outbox"} <= kinds

    personal_data.erase(f"console:{DAN}", "cli:dpo")

    assert "DANSHORT-9" not in stored_text(database)
    [carols_ticket] = personal_data.export("console:carol", "cli:dpo")["tickets"]
    assert (carols_ticket["subject"], carols_ticket["status"]) == (REMOVED, "open")
