"""Messages: inbound ones are kept before handling, and every text comes back exactly."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.events import Person, Place
from bot.records import MessageRecord
from storage.models import MessageRow
from storage.repository import SqlStore
from tests.storage.conftest import T0, Scene, at
from tests.support.databases import Backend

AWKWARD_TEXTS = {
    "long": "support " * 5000,
    "emoji": "👩🏽‍💻 my 🔑 won't work 🇧🇷 ❤️‍🔥 \U0001d518\U0001d52b\U0001d526",
    "rtl": "\u200fמה הסיסמה שלי? لا أستطيع تسجيل الدخول \u202bRTL\u202c",
    "binary-looking": "".join(map(chr, range(1, 256))) + "\ufeff\ufffd\uffff",
    "whitespace": "  line one\r\nline two\n\n\ttabbed  \n",
}


def inbound_rows(store: SqlStore) -> list[MessageRow]:
    query = select(MessageRow).where(MessageRow.direction == "in").order_by(MessageRow.id)
    return list(store.session.scalars(query))


def test_an_inbound_message_is_stored_once_per_platform_message_id(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        first = store.record_inbound(
            "m-1", "hello", sql_scene.requester, sql_scene.conversation, T0
        )
        again = store.record_inbound(
            "m-1", "hello", sql_scene.requester, sql_scene.conversation, at(1)
        )
    with sql_scene.database.unit_of_work() as store:
        later = store.record_inbound(
            "m-1", "hi", sql_scene.requester, sql_scene.conversation, at(2)
        )
        assert [row.text for row in inbound_rows(store)] == ["hello"]
    assert (first, again, later) == (True, False, False)


def test_the_same_message_id_on_another_platform_is_another_message(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        bob = store.save_user(Person("discord", "U-ANN", "Bob"), "requester", T0)
        elsewhere = store.conversation(Place("discord", "C"), T0)
        on_slack = store.record_inbound("m-1", "a", sql_scene.requester, sql_scene.conversation, T0)
        on_discord = store.record_inbound("m-1", "b", bob, elsewhere, T0)
        assert [(row.platform, row.text) for row in inbound_rows(store)] == [
            ("slack", "a"),
            ("discord", "b"),
        ]
    assert (on_slack, on_discord) == (True, True)


def test_an_inbound_message_survives_when_handling_it_fails(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        store.record_inbound("m-1", "help!", sql_scene.requester, sql_scene.conversation, T0)
    with pytest.raises(RuntimeError), sql_scene.database.unit_of_work() as store:
        store.mark_processed("slack", "m-1", T0)
        store.mark_inbound_handled("slack", "m-1", sql_scene.open_ticket(store).id, T0)
        raise RuntimeError("the engine crashed half-way")
    with sql_scene.database.unit_of_work() as store:
        [row] = inbound_rows(store)
        assert (row.text, row.handled_at, row.ticket_id) == ("help!", None, None)
        assert store.list_tickets() == []
        assert not store.is_processed("slack", "m-1")


def test_marking_an_inbound_message_handled_records_when_and_its_ticket(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        store.record_inbound("m-1", "help!", sql_scene.requester, sql_scene.conversation, T0)
        ticket = sql_scene.open_ticket(store)
        store.mark_inbound_handled("slack", "m-1", ticket.id, at(1))
    with sql_scene.database.unit_of_work() as store:
        [row] = inbound_rows(store)
        assert (row.handled_at, row.ticket_id) == (at(1), ticket.id)
        assert store.transcript(ticket.id) == [MessageRecord("in", "Ann", "help!", T0)]


def test_marking_an_unknown_message_handled_does_nothing(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        store.mark_inbound_handled("slack", "never-seen", None, T0)
        assert inbound_rows(store) == []


def test_a_transcript_lists_a_tickets_messages_in_order_with_authors(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        agent = scene.agent(store, "U-AGENT", "Kim")
        nameless = store.save_user(Person("slack", "U-NONAME"), "agent", T0)
        ticket = scene.open_ticket(store)
        other = scene.open_ticket(store, "another problem")
        conversation_id = scene.conversation.id
        store.record_inbound("m-1", "VPN drops", scene.requester, scene.conversation, T0)
        store.mark_inbound_handled("slack", "m-1", ticket.id, T0)
        store.record_message(
            conversation_id, "A person will help", "out", at(1), ticket_id=ticket.id
        )
        store.record_message(conversation_id, "not this one", "out", at(1), ticket_id=other.id)
        store.record_message(
            conversation_id, "looks like MTU", "note", at(2), user=agent, ticket_id=ticket.id
        )
        store.record_message(
            conversation_id, "try now", "out", at(3), user=nameless, ticket_id=ticket.id
        )
        store.record_message(conversation_id, "no ticket", "out", at(4))
    with scene.database.unit_of_work() as store:
        assert store.transcript(ticket.id) == [
            MessageRecord("in", "Ann", "VPN drops", T0),
            MessageRecord("out", None, "A person will help", at(1)),
            MessageRecord("note", "Kim", "looks like MTU", at(2)),
            MessageRecord("out", "U-NONAME", "try now", at(3)),
        ]


@pytest.mark.parametrize("kind", sorted(AWKWARD_TEXTS))
def test_awkward_text_comes_back_exactly(scene: Scene, kind: str) -> None:
    text = AWKWARD_TEXTS[kind]
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store, subject=text)
        store.record_inbound("m-1", text, scene.requester, scene.conversation, T0)
        store.mark_inbound_handled("slack", "m-1", ticket.id, T0)
        store.record_message(scene.conversation.id, text, "out", T0, ticket_id=ticket.id)
        scene.conversation.question = text
        store.save_conversation(scene.conversation, T0)
    with scene.database.unit_of_work() as store:
        assert [m.text for m in store.transcript(ticket.id)] == [text, text]
        assert store.ticket(ticket.id).subject == text
        assert store.conversation(scene.conversation.place, T0).question == text


def test_a_nul_character_is_stored_as_a_replacement_character_on_every_backend(
    sql_scene: Scene,
) -> None:
    """PostgreSQL rejects NUL in text; dropping a person's message over it would be worse."""
    text = "before\x00after"
    with sql_scene.database.unit_of_work() as store:
        ticket = sql_scene.open_ticket(store, subject=text)
        assert store.record_inbound("m-1", text, sql_scene.requester, sql_scene.conversation, T0)
        store.mark_inbound_handled("slack", "m-1", ticket.id, T0)
        store.record_message(sql_scene.conversation.id, text, "note", T0, ticket_id=ticket.id)
        store.log_ticket_event(ticket, None, "note", T0, detail=text)
        sql_scene.conversation.question = text
        store.save_conversation(sql_scene.conversation, T0)
        store.add_feedback(
            user=sql_scene.requester,
            conversation=sql_scene.conversation,
            kind="rating",
            now=T0,
            comment=text,
            question=text,
        )
    cleaned = "before\ufffdafter"
    with sql_scene.database.unit_of_work() as store:
        assert [m.text for m in store.transcript(ticket.id)] == [cleaned, cleaned]
        assert store.ticket(ticket.id).subject == cleaned
        assert [e.detail for e in store.ticket_events(ticket.id)] == [cleaned]
        assert store.conversation(sql_scene.conversation.place, T0).question == cleaned
        [feedback] = store.feedback()
        assert (feedback.comment, feedback.question) == (cleaned, cleaned)


def test_a_processed_event_is_remembered(backend: Backend) -> None:
    with backend.unit_of_work() as store:
        assert not store.is_processed("slack", "Ev1")
        assert store.mark_processed("slack", "Ev1", T0) is True
        assert store.mark_processed("slack", "Ev1", at(1)) is False
        assert store.is_processed("slack", "Ev1")
    with backend.unit_of_work() as store:
        assert store.mark_processed("slack", "Ev1", at(2)) is False
        assert not store.is_processed("discord", "Ev1")
        assert store.mark_processed("discord", "Ev1", at(2)) is True


def test_an_event_whose_handling_failed_can_be_processed_again(backend: Backend) -> None:
    with pytest.raises(RuntimeError), backend.unit_of_work() as store:
        assert store.mark_processed("slack", "Ev1", T0)
        raise RuntimeError("handler failed")
    with backend.unit_of_work() as store:
        assert not store.is_processed("slack", "Ev1")
        assert store.mark_processed("slack", "Ev1", at(1)) is True


def test_feedback_is_stored_with_everything_it_was_given(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        ticket = sql_scene.open_ticket(store)
        store.add_feedback(
            user=sql_scene.requester,
            conversation=sql_scene.conversation,
            kind="answer",
            now=T0,
            article_id="password-reset",
            helpful=False,
            question="how do I reset my password?",
        )
        store.add_feedback(
            user=sql_scene.requester,
            conversation=sql_scene.conversation,
            kind="rating",
            now=at(1),
            ticket_id=ticket.id,
            rating=5,
            comment="quick and kind 🙏",
        )
    with sql_scene.database.unit_of_work() as store:
        rows = [
            (
                r.user_id,
                r.conversation_id,
                r.kind,
                r.article_id,
                r.ticket_id,
                r.helpful,
                r.rating,
                r.comment,
                r.question,
                r.created_at,
            )
            for r in store.feedback(sql_scene.conversation.id)
        ]
        assert store.feedback(sql_scene.conversation.id + 1) == []
    user, place = sql_scene.requester.id, sql_scene.conversation.id
    assert rows == [
        (
            user,
            place,
            "answer",
            "password-reset",
            None,
            False,
            None,
            None,
            "how do I reset my password?",
            T0,
        ),
        (user, place, "rating", None, ticket.id, None, 5, "quick and kind 🙏", None, at(1)),
    ]
