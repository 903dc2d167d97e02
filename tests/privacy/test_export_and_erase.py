"""A person's data: exported in full, erased for good, statistics kept, both audited."""

from __future__ import annotations

import json

import pytest

from bot.actions import PostTicketCard
from bot.i18n.messages import say
from bot.privacy.personal_data import UnknownPerson
from bot.privacy.traces import REMOVED
from storage.privacy import privacy_unit_of_work
from tests.privacy.conftest import (
    ALICES_NOTE,
    ALICES_REPLY,
    CAROLS_QUESTION,
    RESOLUTION,
    YOUR_COMMENT,
    YOUR_QUESTION,
    YOUR_WORDS,
    History,
    rows,
    stored_text,
    table_counts,
)

# -- export ---------------------------------------------------------------------------------


def test_an_export_holds_the_person_their_ticket_its_transcript_and_their_feedback(
    history: History,
) -> None:
    data = history.personal_data.export("console:you", "cli:dpo")

    assert data["person"]["platform_id"] == "you" and data["person"]["display_name"] == "You"
    [ticket] = data["tickets"]
    assert ticket["key"] == "T-1" and ticket["subject"] == YOUR_QUESTION
    assert ticket["status"] == "resolved" and ticket["first_response_at"] is not None
    assert [e["kind"] for e in ticket["history"]][:2] == ["opened", "claimed"]
    said = [(m["author"], m["text"]) for m in data["messages"]]
    assert ("you", YOUR_QUESTION) in said
    assert ("staff", ALICES_REPLY) in said and ("staff", RESOLUTION) in said
    assert ("you", YOUR_COMMENT) in said
    assert any(author == "bot" for author, _ in said)
    feedback = [(f["kind"], f["rating"], f["comment"]) for f in data["feedback"]]
    assert feedback == [("rating", 4, None), ("comment", None, YOUR_COMMENT)]
    assert [(q["text"], q["ticket"]) for q in data["questions"]] == [(YOUR_QUESTION, "T-1")]
    json.dumps(data)  # JSON as it is, no custom encoder needed


def test_an_export_leaves_out_other_people_and_internal_notes_unless_asked(
    history: History,
) -> None:
    export = history.personal_data.export("console:you", "cli:dpo")
    plain = json.dumps(export)
    with_notes = json.dumps(
        history.personal_data.export("console:you", "cli:dpo", internal_notes=True)
    )

    assert CAROLS_QUESTION not in plain and "Carol" not in plain
    assert {m["author"] for m in export["messages"]} == {"you", "bot", "staff"}
    assert ALICES_NOTE not in plain and ALICES_NOTE in with_notes


def test_exports_are_written_to_the_audit_log(history: History) -> None:
    history.personal_data.export("console:you", "cli:dpo", internal_notes=True)

    with privacy_unit_of_work(history.database)() as store:
        [entry] = store.audit_log()
        you = store.find_user("console", "you")
    assert you is not None
    assert (entry.action, entry.actor, entry.subject) == ("export", "cli:dpo", f"user:{you.id}")
    assert entry.detail == {"internal_notes": True}


def test_someone_never_seen_cannot_be_exported_and_nothing_is_logged(history: History) -> None:
    with pytest.raises(UnknownPerson, match="slack:U0NOBODY"):
        history.personal_data.export("slack:U0NOBODY", "cli:dpo")

    with privacy_unit_of_work(history.database)() as store:
        assert list(store.audit_log()) == []


@pytest.mark.parametrize("ref", ["you", "console:", ":you", ""])
def test_a_reference_that_is_not_platform_colon_id_is_refused(history: History, ref: str) -> None:
    with pytest.raises(ValueError, match="PLATFORM:ID"):
        history.personal_data.export(ref, "cli:dpo")


# -- erase ----------------------------------------------------------------------------------


def test_after_erasure_nothing_the_person_wrote_or_was_told_is_stored(history: History) -> None:
    before = stored_text(history.database)
    assert all(words in before for words in YOUR_WORDS)

    counts = history.personal_data.erase("console:you", "cli:dpo")

    after = stored_text(history.database)
    assert [words for words in YOUR_WORDS if words in after] == []
    assert "You" not in after.split("\n")  # the display name
    assert counts["messages"] > 0 and counts["tickets"] == 1 and counts["feedback"] == 1
    with privacy_unit_of_work(history.database)() as store:
        assert store.find_user("console", "you") is None


def test_erasure_keeps_the_statistics_reports_need(history: History) -> None:
    database = history.database
    numbers = {
        "tickets": ("status", "tier", "priority", "created_at", "first_response_at", "resolved_at"),
        "messages": ("direction", "ticket_id", "created_at", "handled_at"),
        "feedback": ("kind", "rating", "helpful", "created_at"),
        "ticket_events": ("kind", "from_status", "to_status", "created_at"),
    }
    before = {table: rows(database, table, *columns) for table, columns in numbers.items()}
    counts_before = table_counts(database)

    history.personal_data.erase("console:you", "cli:dpo")

    assert {table: rows(database, table, *columns) for table, columns in numbers.items()} == before
    assert {
        k: v for k, v in table_counts(database).items() if k not in ("outbox", "audit_log")
    } == {k: v for k, v in counts_before.items() if k not in ("outbox", "audit_log")}
    assert rows(database, "tickets", "subject")[0] == (REMOVED,)
    assert ("rated", "4/5") in rows(database, "ticket_events", "kind", "detail")
    assert ("resolved", "") in rows(database, "ticket_events", "kind", "detail")


def test_erasure_leaves_other_people_alone(history: History) -> None:
    history.personal_data.erase("console:you", "cli:dpo")

    carol = history.personal_data.export("console:carol", "cli:dpo")
    assert carol["person"]["display_name"] == "Carol"
    assert carol["tickets"][0]["subject"] == CAROLS_QUESTION
    assert CAROLS_QUESTION in [m["text"] for m in carol["messages"]]
    assert "Rooms are booked" not in json.dumps(carol)


def test_erasure_is_audited_without_naming_the_person(history: History) -> None:
    with privacy_unit_of_work(history.database)() as store:
        you = store.find_user("console", "you")
    assert you is not None

    counts = history.personal_data.erase("console:you", "cli:dpo")

    with privacy_unit_of_work(history.database)() as store:
        [entry] = store.audit_log()
    assert (entry.action, entry.actor, entry.subject) == ("erase", "cli:dpo", f"user:{you.id}")
    assert entry.detail == counts
    assert "you" not in json.dumps(entry.detail)


def test_an_erased_person_is_unknown_afterwards_and_starts_afresh_if_they_return(
    history: History,
) -> None:
    history.personal_data.erase("console:you", "cli:dpo")
    with pytest.raises(UnknownPerson):
        history.personal_data.erase("console:you", "cli:dpo")

    history.chat.clock.advance(days=1)
    history.chat.say("talk to a human")

    data = history.personal_data.export("console:you", "cli:dpo")
    assert [t["key"] for t in data["tickets"]] == ["T-3"]
    assert YOUR_QUESTION not in json.dumps(data)


def test_nothing_queued_for_an_erased_person_is_sent_any_more(history: History) -> None:
    assert any("console:main" in lane for (lane,) in rows(history.database, "outbox", "lane"))

    counts = history.personal_data.erase("console:you", "cli:dpo")

    assert counts["outbox"] > 0
    assert [lane for (lane,) in rows(history.database, "outbox", "lane") if "main" in lane] == []


def test_someone_erased_while_their_ticket_is_open_starts_anew_if_they_write_again(
    history: History,
) -> None:
    history.chat.say("talk to a human", who="carol")  # carol's T-2 is open
    history.personal_data.erase("console:carol", "cli:dpo")
    history.chat.clock.advance(minutes=5)

    bot = history.chat.say("talk to a human", who="carol")

    assert [card.ticket.key for card in bot.of(PostTicketCard)] == ["T-3"]
    assert "T-2" not in json.dumps(history.personal_data.export("console:carol", "cli:dpo"))


def test_someone_erased_while_an_answer_awaits_them_is_not_asked_about_it_again(
    history: History,
) -> None:
    history.chat.clock.advance(days=1)
    history.chat.say("my vpn won't connect", who="dan")
    history.personal_data.erase("console:dan", "cli:dpo")

    card = history.chat.say("talk to a human", who="dan").card().ticket

    assert (card.subject, card.attempts) == (say("ticket.no_question"), ())
