"""SQL in every text field is only text: stored as written, matched by nothing it names."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from bot.events import CommandIssued, Person, Place
from bot.privacy.personal_data import PersonalData, UnknownPerson
from storage.db import Database
from storage.privacy import privacy_unit_of_work
from tests.support.chat import Chat

BOBBY = "Robert'); DROP TABLE users;--"
QUESTION = "'; DROP TABLE tickets; -- my printer is on fire"
ALWAYS_TRUE = "x' OR '1'='1"


def tables(database: Database) -> set[str]:
    return set(inspect(database.engine).get_table_names())


def test_sql_in_names_questions_and_replies_is_stored_as_written(
    chat: Chat, database: Database
) -> None:
    before = tables(database)
    person = Person("console", "bobby", BOBBY)
    chat.send(CommandIssued(person, Place("console", "bobby"), "new", (QUESTION,), "c-bobby"))
    alice = chat.person("alice")
    chat.send(CommandIssued(alice, chat.place("alice"), "reply", ("T-1", ALWAYS_TRUE), "c-alice"))

    assert tables(database) == before
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        assert ticket.subject == QUESTION and ticket.requester.name == BOBBY
        transcript = [m.text for m in store.transcript(ticket.id)]
    assert f"/new {QUESTION}" in transcript and ALWAYS_TRUE in transcript


@pytest.mark.parametrize("key", [ALWAYS_TRUE, "T-1' OR '1'='1", "T-1;DELETE FROM tickets", "T-%"])
def test_a_ticket_key_made_of_sql_names_no_ticket(chat: Chat, database: Database, key: str) -> None:
    chat.say("how do I book a meeting room in Lisbon")

    refused = chat.command(f"claim {key}", who="alice")

    assert refused.refusal()
    with database.unit_of_work() as store:
        assert store.ticket_by_key(key) is None
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None and ticket.status == "open"


@pytest.mark.parametrize("ref", [f"console:{ALWAYS_TRUE}", "console:%", "console:_ou"])
def test_a_person_named_with_sql_or_wildcards_matches_no_one(
    chat: Chat, database: Database, ref: str
) -> None:
    chat.say("how do I book a meeting room in Lisbon")
    personal_data = PersonalData(privacy_unit_of_work(database), chat.clock)

    with pytest.raises(UnknownPerson):
        personal_data.erase(ref, "cli:dpo")

    assert personal_data.export("console:you", "cli:dpo")["tickets"]
