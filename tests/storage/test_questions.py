"""Questions the bot looked up, how each ended, and which of them are KB gaps."""

from __future__ import annotations

from bot.events import Place
from kb.gaps import Asked
from tests.storage.conftest import T0, Scene, at


def test_unsettled_questions_are_the_ones_the_kb_could_not_settle(scene: Scene) -> None:
    endings = [
        ("answered, solved", "answer", "solved"),
        ("answered, did not help", "answer", "still_need_help"),
        ("offered, none fit", "suggest", "none_of_these"),
        ("nothing matched", "escalate", "ticket"),
        ("asked for a person", "person", "ticket"),
        ("still open", "answer", None),
    ]
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        for n, (text, decision, outcome) in enumerate(endings):
            store.record_question(
                scene.conversation, scene.requester, text, decision, at(n), article_id="vpn"
            )
            if outcome is not None:
                store.settle_question(
                    scene.conversation.id, at(n), outcome=outcome, ticket_id=ticket.id
                )
    with scene.database.unit_of_work() as store:
        gaps = store.unsettled_questions(T0, at(10))
        later = store.unsettled_questions(at(2), at(10))
        on_discord = store.unsettled_questions(T0, at(10), "discord")
    assert gaps == [
        Asked("answered, did not help", "vpn"),
        Asked("offered, none fit", None),
        Asked("nothing matched", None),
    ]
    assert later == gaps[1:]
    assert on_discord == []


def test_settling_changes_only_the_conversations_latest_question(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        other = store.conversation(Place("slack", "C-OTHER"), T0)
        store.record_question(scene.conversation, scene.requester, "older", "suggest", T0)
        store.record_question(scene.conversation, scene.requester, "latest", "suggest", at(1))
        store.record_question(other, scene.requester, "elsewhere", "suggest", at(1))
        store.settle_question(scene.conversation.id, at(2), article_id="printer")
        store.settle_question(scene.conversation.id, at(3), outcome="still_need_help")
    with scene.database.unit_of_work() as store:
        assert store.unsettled_questions(T0, at(10)) == [Asked("latest", "printer")]
