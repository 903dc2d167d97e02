"""The outbox as one worker sees it, and what adapters record about tickets (cards, moves).
Several workers claiming at once: ``tests/scale/test_outbox_claims.py``."""

from __future__ import annotations

from bot.events import Place
from bot.records import Card, StoredDelivery
from tests.storage.conftest import T0, Scene, at


def test_pending_actions_wait_behind_a_failed_one_of_their_lane(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        head, behind, other = store.enqueue(
            [("slack", "lane-a", "1"), ("slack", "lane-a", "2"), ("slack", "lane-b", "3")], T0
        )
        discord = store.enqueue([("discord", "lane-c", "4")], T0)
        store.mark_failed(head, "HTTP 503", at(1))
    with scene.database.unit_of_work() as store:
        waiting = store.pending_deliveries("slack", T0, 10)
        due_again = store.pending_deliveries("slack", at(1), 10)
        store.mark_delivered([head, other], at(1))
        left = store.pending_deliveries("slack", at(1), 10)
    assert waiting == [StoredDelivery(other, "lane-b", "3", 0)]
    assert due_again == [
        StoredDelivery(head, "lane-a", "1", 1),
        StoredDelivery(behind, "lane-a", "2", 0),
        StoredDelivery(other, "lane-b", "3", 0),
    ]
    assert left == [StoredDelivery(behind, "lane-a", "2", 0)]
    assert len(discord) == 1 and discord[0] not in (head, behind, other)


def test_a_tickets_cards_come_back_oldest_first(scene: Scene) -> None:
    first, second = Card("slack", 1, "C-T1", "1.1", "1.1"), Card("slack", 2, "C-T2", "2.2", None)
    with scene.database.unit_of_work() as store:
        ticket, other = scene.open_ticket(store), scene.open_ticket(store, "other")
        store.record_card(ticket, first, T0)
        store.record_card(other, Card("slack", 1, "C-T1", "9.9", None), T0)
        store.record_card(ticket, second, at(1))
    with scene.database.unit_of_work() as store:
        assert store.cards(ticket.id) == [first, second]
        assert store.cards(ticket.id + 100) == []


def test_a_moved_ticket_lives_in_its_new_place(scene: Scene) -> None:
    private = Place("slack", "C-PRIVATE", "7.7")
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        there = store.conversation(private, T0)
        moved = store.move_ticket(ticket, there, at(1))
    with scene.database.unit_of_work() as store:
        assert (moved.place, moved.conversation_id) == (private, there.id)
        assert store.ticket(ticket.id) == moved
