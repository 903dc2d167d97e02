"""Races between workers: each has its own unit of work, and exactly one of them wins."""

from __future__ import annotations

from bot.events import Person, Place
from bot.records import Ticket, User
from storage.db import Database
from tests.storage.conftest import ANN, HOME, T0, Scene, at, race

WORKERS = 8


def test_two_concurrent_claims_have_exactly_one_winner(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        agents = [sql_scene.agent(store, f"U-AGENT-{n}", f"Agent {n}") for n in range(WORKERS)]
        ticket = sql_scene.open_ticket(store)

    def claim(n: int) -> Ticket | None:
        with sql_scene.database.unit_of_work() as store:
            seen = store.ticket(ticket.id)
            if seen.status != "open":
                return None
            return store.update_ticket(
                seen, {"open"}, at(1), status="claimed", assignee_id=agents[n].id
            )

    results = race(WORKERS, claim)
    winners = [result for result in results if result is not None]
    assert len(winners) == 1
    [winner] = winners
    assert winner.status == "claimed" and winner.assignee in agents
    with sql_scene.database.unit_of_work() as store:
        assert store.ticket(ticket.id) == winner


def test_a_claim_racing_a_resolve_leaves_one_consistent_outcome(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        kim = sql_scene.agent(store, "U-KIM")
        ticket = sql_scene.open_ticket(store)

    def act(n: int) -> Ticket | None:
        with sql_scene.database.unit_of_work() as store:
            if n % 2:
                return store.update_ticket(
                    ticket, {"open"}, at(1), status="claimed", assignee_id=kim.id
                )
            return store.update_ticket(
                ticket, {"open", "claimed"}, at(1), status="resolved", resolved_at=at(1)
            )

    race(WORKERS, act)
    with sql_scene.database.unit_of_work() as store:
        final = store.ticket(ticket.id)
    assert final.status == "resolved" and final.resolved_at == at(1)


def test_a_redelivered_event_is_processed_by_exactly_one_worker(database: Database) -> None:
    def mark(_: int) -> bool:
        with database.unit_of_work() as store:
            return store.mark_processed("slack", "Ev-race", T0)

    assert sorted(race(WORKERS, mark)) == [False] * (WORKERS - 1) + [True]


def test_a_redelivered_message_is_stored_by_exactly_one_worker(sql_scene: Scene) -> None:
    def record(_: int) -> bool:
        with sql_scene.database.unit_of_work() as store:
            return store.record_inbound(
                "m-race", "hello", sql_scene.requester, sql_scene.conversation, T0
            )

    assert sorted(race(WORKERS, record)) == [False] * (WORKERS - 1) + [True]


def test_first_contact_from_many_workers_makes_one_user_and_one_conversation(
    database: Database,
) -> None:
    def first_contact(_: int) -> tuple[User, int]:
        with database.unit_of_work() as store:
            user = store.save_user(ANN, "requester", T0)
            return user, store.conversation(HOME, T0).id

    results = race(WORKERS, first_contact)
    assert len(set(results)) == 1


def test_different_people_writing_at_once_do_not_block_each_other(database: Database) -> None:
    def write(n: int) -> bool:
        with database.unit_of_work() as store:
            person = Person("slack", f"U-{n}", f"Person {n}")
            user = store.save_user(person, "requester", T0)
            conversation = store.conversation(Place("slack", f"D-{n}"), T0)
            return store.record_inbound(f"m-{n}", "hi", user, conversation, T0)

    assert race(WORKERS, write) == [True] * WORKERS
