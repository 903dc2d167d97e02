"""Two workers handling events of one conversation at the same moment take turns on the
conversation (its row is locked for the whole handling), so the result is that of one
event after the other, never a mix of both; and agents and requesters acting on one ticket
at once lock in the same order, so neither waits on the other for ever (a deadlock)."""

from __future__ import annotations

from bot.actions import PostTicketCard, RelayToAgents
from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery, lane_of
from bot.events import CommandIssued, Event, MessageReceived, Person, Place
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database
from tests.scale.conftest import race
from tests.support.chat import FakeClock

ROUNDS = 6
ALICE = Person("console", "alice", "Alice")  # an agent of the first tier in default settings


def two_workers(database: Database, kb: KnowledgeBase, clock: FakeClock) -> list[Engine]:
    return [Engine(Settings(), kb, database.unit_of_work, clock) for _ in range(2)]


def handled_at_once(workers: list[Engine], events: list[Event]) -> list[list[Delivery]]:
    return race(len(events), lambda n: workers[n].handle(events[n]))


def stored_lane(workers: list[Engine], place: Place) -> list[str]:
    """The kinds of action stored for ``place``'s conversation, in the order they are sent."""
    pending = workers[0].outbox.pending("console", limit=1000)
    lane = f"{place.platform}:{place.channel}:{place.thread or ''}"
    return [type(d.action).__name__ for d in pending if lane_of(d.action) == lane]


def test_two_requests_for_a_person_at_once_open_one_ticket_and_follow_it_up(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    workers = two_workers(database, sample_kb, clock)
    for round_ in range(ROUNDS):
        person = Person("console", f"dana{round_}", "Dana")
        place = Place("console", f"dm-{round_}")
        events: list[Event] = [
            CommandIssued(person, place, "human", ("printer is on fire",), f"h{round_}-{n}")
            for n in range(2)
        ]

        results = handled_at_once(workers, events)

        kinds = [[type(d.action).__name__ for d in result] for result in results]
        opened = [k for k in kinds if "PostTicketCard" in k]
        followed = [k for k in kinds if "RelayToAgents" in k]
        assert len(opened) == 1 and len(followed) == 1, kinds
        # The lane holds one event's actions, then the other's: the ticket first.
        lane = stored_lane(workers, place)
        assert lane.index(PostTicketCard.__name__) < lane.index(RelayToAgents.__name__)


def test_an_agent_resolving_while_the_requester_replies_never_deadlocks(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    workers = two_workers(database, sample_kb, clock)
    agent_place = Place("console", "agent:alice")
    for round_ in range(ROUNDS):
        person = Person("console", f"erin{round_}", "Erin")
        place = Place("console", f"dm-erin-{round_}")
        opened = workers[0].handle(
            CommandIssued(person, place, "human", ("vpn is down",), f"open-{round_}")
        )
        key = next(d.action for d in opened if isinstance(d.action, PostTicketCard)).ticket.key
        for verb, args in (("claim", (key,)), ("reply", (key, "try now?"))):
            workers[0].handle(CommandIssued(ALICE, agent_place, verb, args, f"{verb}-{round_}"))

        # Erin answers (waiting_on_user -> claimed) while Alice resolves: each takes
        # Erin's conversation and the ticket, and must take them in the same order.
        results = handled_at_once(
            workers,
            [
                MessageReceived(person, place, "works now, thanks", f"m-{round_}", f"e-{round_}"),
                CommandIssued(ALICE, agent_place, "resolve", (key,), f"resolve-{round_}"),
            ],
        )

        assert all(d.id != 0 for result in results for d in result), results  # no errors
        ticket = workers[0].ticket(key)
        assert ticket is not None and ticket.status == "resolved"
