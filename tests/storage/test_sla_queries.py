"""What the SLA sweep and the daily jobs read: clocks, due tickets, digests' figures, runs."""

from __future__ import annotations

from bot.events import Place
from bot.records import TicketClock
from tests.storage.conftest import T0, Scene, at


def test_a_tickets_clock_comes_back_as_it_was_set(scene: Scene) -> None:
    clock = TicketClock(at(60), at(480), at(5), 300, 2, at(61), None, at(5), at(7), at(90))
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        assert ticket.sla == TicketClock()
        assert store.set_clock(ticket, clock, at(5)).sla == clock
    with scene.database.unit_of_work() as store:
        assert store.ticket(ticket.id).sla == clock


def test_due_tickets_are_listed_earliest_first_and_locked_only_while_due(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        late, early, later, never = (scene.open_ticket(store, name) for name in "abcd")
        store.set_clock(late, TicketClock(next_at=at(20)), T0)
        store.set_clock(early, TicketClock(next_at=at(10)), T0)
        store.set_clock(later, TicketClock(next_at=at(90)), T0)
    with scene.database.unit_of_work() as store:
        assert store.due_ticket_ids(at(30), 10) == [early.id, late.id]
        assert store.due_ticket_ids(at(30), 1) == [early.id]
        locked = store.lock_due_ticket(early.id, at(30))
        assert locked is not None and locked.id == early.id
        assert store.lock_due_ticket(later.id, at(30)) is None
        assert store.lock_due_ticket(never.id, at(30)) is None


def test_digests_read_a_platforms_tickets_and_deflections(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        first, second = scene.open_ticket(store, "a"), scene.open_ticket(store, "b")
        store.update_ticket(second, {"open"}, at(1), status="resolved", resolved_at=at(1))
        on_discord = store.conversation(Place("discord", "D-1"), T0)
        for conversation, minute in [(scene.conversation, 1), (scene.conversation, 5)]:
            store.add_feedback(
                user=scene.requester, conversation=conversation, kind="solved", now=at(minute)
            )
        store.add_feedback(user=scene.requester, conversation=on_discord, kind="solved", now=T0)
        store.add_feedback(
            user=scene.requester, conversation=scene.conversation, kind="rating", now=at(1)
        )
    with scene.database.unit_of_work() as store:
        assert [t.id for t in store.platform_tickets("slack", {"open", "resolved"})] == [
            first.id,
            second.id,
        ]
        assert [t.id for t in store.platform_tickets("slack", {"open"})] == [first.id]
        assert store.platform_tickets("discord", {"open"}) == []
        assert store.count_feedback("slack", "solved", T0, at(5)) == 1
        assert store.count_feedback("slack", "solved", T0, at(6)) == 2
        assert store.count_feedback("discord", "solved", T0, at(6)) == 1


def test_a_job_runs_once_per_period(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        assert store.claim_job_run("digest", "slack:2024-05-01", T0)
        assert not store.claim_job_run("digest", "slack:2024-05-01", at(1))
        assert store.claim_job_run("digest", "slack:2024-05-02", at(1))
        assert store.claim_job_run("kb-gaps", "slack:2024-05-01", at(1))
