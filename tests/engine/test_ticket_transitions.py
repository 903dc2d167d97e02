"""The ticket state machine (``bot.tickets.transitions``), as a specification.

Each action moves a ticket from the statuses its row allows to the status it names, with
its history entry, its clock and its effects; from every other status it is refused and
changes nothing. Who may do what is the table's too.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest

from bot.actions import ChangeKind
from bot.events import Person, Place
from bot.records import Ticket, TicketStatus, User
from bot.settings import Settings
from bot.sla.policy import SlaPolicy
from bot.store import Store
from bot.tickets.transitions import (
    TRANSITIONS,
    ClockChange,
    Effect,
    TicketAction,
    may,
    perform,
)
from storage.db import Database
from tests.support.chat import Chat

A = TicketAction
EVERY_STATUS: tuple[TicketStatus, ...] = (
    "open",
    "claimed",
    "waiting_on_user",
    "resolved",
    "closed",
)
OPENED_AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
NOW = OPENED_AT + timedelta(hours=1)
POLICY = SlaPolicy(Settings().sla, Settings().tickets.reopen_days)

STATE_MACHINE = {
    # The README's "How tickets flow", row by row: (action, from) -> to.
    (A.CLAIM, "open"): "claimed",
    (A.CLAIM_BY_REPLYING, "open"): "claimed",
    (A.UNCLAIM, "claimed"): "open",
    (A.UNCLAIM, "waiting_on_user"): "open",
    **{(A.ASSIGN, s): "claimed" for s in ("open", "claimed", "waiting_on_user")},
    (A.ANSWER, "claimed"): "waiting_on_user",
    (A.ANSWER, "waiting_on_user"): "waiting_on_user",
    (A.REQUESTER_REPLY, "waiting_on_user"): "claimed",
    **{(A.ESCALATE, s): "open" for s in ("open", "claimed", "waiting_on_user")},
    **{(A.SET_PRIORITY, s): s for s in ("open", "claimed", "waiting_on_user", "resolved")},
    **{(A.RESOLVE, s): "resolved" for s in ("open", "claimed", "waiting_on_user")},
    (A.REOPEN, "resolved"): "claimed",  # back to its assignee; "open" when it has none
    (A.ESCALATE_ON_BREACH, "open"): "open",
    (A.ESCALATE_ON_BREACH, "claimed"): "open",
    (A.AUTO_RESOLVE, "waiting_on_user"): "resolved",
    (A.CLOSE, "resolved"): "closed",
}


def person(name: str) -> Person:
    return Person("console", name, name.title())


def ticket_in(store: Store, status: TicketStatus, number: int, assignee: User) -> Ticket:
    """A tier-1 ticket of its own requester, in ``status`` (assigned unless open)."""
    requester = store.save_user(person(f"requester{number}"), "requester", OPENED_AT)
    conversation = store.conversation(Place("console", f"dm-{number}"), OPENED_AT)
    opened = store.open_ticket(
        requester=requester,
        conversation=conversation,
        subject="the printer is jammed",
        priority="normal",
        tier=1,
        failed_article_id=None,
        now=OPENED_AT,
    )
    done = status in ("resolved", "closed")
    moved = store.update_ticket(
        opened,
        EVERY_STATUS,
        OPENED_AT,
        status=status,
        assignee_id=None if status == "open" else assignee.id,
        resolved_at=OPENED_AT if done else None,
    )
    assert moved is not None
    return store.set_clock(moved, POLICY.clock(moved, OPENED_AT), OPENED_AT)


def test_the_table_is_the_state_machine_the_readme_draws() -> None:
    drawn = {
        (row.action, source): row.to(replace(_ticket(), status=cast(TicketStatus, source)))
        or source
        for row in TRANSITIONS.values()
        for source in row.sources
    }

    assert drawn == STATE_MACHINE
    assert TRANSITIONS[A.OPEN].sources == frozenset()


@pytest.mark.parametrize("action", [a for a in TicketAction if a is not A.OPEN])
def test_an_action_goes_where_the_table_says_and_from_any_other_status_changes_nothing(
    database: Database, action: TicketAction
) -> None:
    row = TRANSITIONS[action]
    with database.unit_of_work() as store:
        bob = store.save_user(person("bob"), "agent", OPENED_AT)
        alice = store.save_user(person("alice"), "agent", OPENED_AT)
        carol = store.save_user(person("carol"), "agent", OPENED_AT)
        for number, status in enumerate(EVERY_STATUS):
            before = ticket_in(store, status, number, alice)
            history = list(store.ticket_events(before.id))

            after = perform(
                store, POLICY, before, action, NOW, by=bob, chosen=carol, priority="high"
            )

            if status not in row.sources:
                assert after is None, status
                assert store.ticket(before.id) == before
                assert list(store.ticket_events(before.id)) == history
                continue
            assert after is not None and after.status == STATE_MACHINE[action, status]
            assert store.ticket(after.id) == after
            entry = store.ticket_events(after.id)[-1]
            assert (entry.kind, entry.from_status, entry.to_status) == (
                row.logged.value,
                status,
                after.status,
            )
            assert entry.detail == row.detail
            _assert_effects(row.effects, before, after, bob=bob, chosen=carol)
            _assert_clock(row.clock, before, after)


def test_a_reopened_ticket_without_an_assignee_goes_back_to_the_queue(database: Database) -> None:
    with database.unit_of_work() as store:
        alice = store.save_user(person("alice"), "agent", OPENED_AT)
        resolved = ticket_in(store, "resolved", 1, alice)
        unassigned = store.update_ticket(resolved, {"resolved"}, OPENED_AT, assignee_id=None)
        assert unassigned is not None

        reopened = perform(store, POLICY, unassigned, A.REOPEN, NOW, by=alice)

    assert reopened is not None and reopened.status == "open"


def test_the_history_says_what_the_person_gave_as_the_detail(database: Database) -> None:
    with database.unit_of_work() as store:
        alice = store.save_user(person("alice"), "agent", OPENED_AT)
        ticket = ticket_in(store, "claimed", 1, alice)

        perform(store, POLICY, ticket, A.ESCALATE, NOW, by=alice, detail="needs the network team")

        entry = store.ticket_events(ticket.id)[-1]
    assert (entry.kind, entry.detail) == (ChangeKind.ESCALATED, "needs the network team")


# -- who may do what ------------------------------------------------------------------------


def _user(number: int, name: str) -> User:
    return User(number, "console", name, name.title(), None, "agent")


REQUESTER, ALICE, CAROL, BOB = (_user(n, name) for n, name in enumerate(
    ("you", "alice", "carol", "bob"), start=1
))  # fmt: skip
TIERS = {REQUESTER: None, ALICE: 1, CAROL: 1, BOB: 2}


def _ticket(tier: int = 1, assignee: User | None = ALICE) -> Ticket:
    return Ticket(
        1, "T-1", "claimed", tier, "normal", "printer", REQUESTER, 1, Place("console", "dm"),
        assignee, None, None, OPENED_AT, None, None, None,
    )  # fmt: skip


def _allowed(action: TicketAction, ticket: Ticket) -> set[str]:
    allowed = {u.platform_id for u, tier in TIERS.items() if may(action, ticket, u, tier)}
    return allowed | ({"sweep"} if may(action, ticket, None, None) else set())


def test_agents_of_the_tickets_tier_or_above_claim_assign_escalate_and_set_priority() -> None:
    for action in (A.CLAIM, A.CLAIM_BY_REPLYING, A.ASSIGN, A.ESCALATE, A.SET_PRIORITY):
        assert _allowed(action, _ticket()) == {"alice", "carol", "bob"}, action
        assert _allowed(action, _ticket(tier=2)) == {"bob"}, action


def test_a_claimed_ticket_is_worked_by_its_assignee_or_a_higher_tier() -> None:
    for action in (A.UNCLAIM, A.ANSWER, A.RESOLVE):
        assert _allowed(action, _ticket()) == {"alice", "bob"}, action
        assert _allowed(action, _ticket(assignee=None)) == {"alice", "carol", "bob"}, action
        assert _allowed(action, _ticket(tier=2, assignee=BOB)) == {"bob"}, action


def test_the_requester_replies_and_reopens_and_agents_of_its_tier_reopen_too() -> None:
    assert _allowed(A.REQUESTER_REPLY, _ticket()) == {"you"}
    assert _allowed(A.REOPEN, _ticket()) == {"you", "alice", "carol", "bob"}
    assert _allowed(A.REOPEN, _ticket(tier=2)) == {"you", "bob"}


def test_only_the_sla_sweep_escalates_on_breach_resolves_automatically_and_closes() -> None:
    for action in (A.ESCALATE_ON_BREACH, A.AUTO_RESOLVE, A.CLOSE):
        assert _allowed(action, _ticket()) == {"sweep"}, action


# -- refused in chat with the words people already know ------------------------------------


@pytest.mark.parametrize(
    ("command", "verb"),
    [
        ("claim T-1", "claimed"),
        ("unclaim T-1", "released"),
        ("assign T-1 bob", "assigned"),
        ("reply T-1 one more thing", "replied to"),
        ("escalate T-1 why", "escalated"),
        ("resolve T-1", "resolved"),
    ],
)
def test_an_agent_command_on_a_resolved_ticket_is_refused_and_changes_nothing(
    chat: Chat, database: Database, command: str, verb: str
) -> None:
    chat.say("how do I book a meeting room in Lisbon")
    chat.command("claim T-1", who="alice")
    chat.command("resolve T-1", who="alice")
    before = _stored(database)

    refused = chat.command(command, who="alice")

    assert refused.refusal() == f"T-1 is resolved; it can't be {verb} now."
    assert _stored(database) == before


def test_reopening_an_active_ticket_is_refused_and_changes_nothing(
    chat: Chat, database: Database
) -> None:
    chat.say("how do I book a meeting room in Lisbon")
    before = _stored(database)

    refused = chat.command("reopen T-1", who="alice")

    assert refused.refusal() == "T-1 is open; it can't be reopened now."
    assert _stored(database) == before


# -- helpers --------------------------------------------------------------------------------


def _stored(database: Database) -> tuple[object, ...]:
    with database.unit_of_work() as store:
        ticket = store.ticket_by_key("T-1")
        assert ticket is not None
        return ticket, tuple(store.ticket_events(ticket.id))


def _assert_effects(
    effects: tuple[Effect, ...], before: Ticket, after: Ticket, *, bob: User, chosen: User
) -> None:
    expected_assignee = {
        Effect.TAKEN_BY_ACTOR: bob.id,
        Effect.HANDED_TO_CHOSEN: chosen.id,
        Effect.RELEASED: None,
    }
    assignee = next((expected_assignee[e] for e in effects if e in expected_assignee), None)
    if not any(e in expected_assignee for e in effects):
        assignee = before.assignee.id if before.assignee else None
    assert (after.assignee.id if after.assignee else None) == assignee
    assert after.tier == before.tier + (Effect.NEXT_TIER in effects)
    assert after.priority == ("high" if Effect.NEW_PRIORITY in effects else before.priority)
    if Effect.FIRST_RESPONSE in effects:
        assert after.first_response_at is not None
    else:
        assert after.first_response_at == before.first_response_at
    if Effect.RESOLVED_NOW in effects:
        assert after.resolved_at is not None and after.resolved_at != before.resolved_at
    elif Effect.RESOLVED_CLEARED in effects:
        assert after.resolved_at is None
    else:
        assert after.resolved_at == before.resolved_at
    assert (after.closed_at is not None) == (Effect.CLOSED_NOW in effects)


def _assert_clock(change: ClockChange, before: Ticket, after: Ticket) -> None:
    clock = after.sla
    assert clock == POLICY.clock(after, NOW)  # the clock always matches the new status
    match change:
        case ClockChange.RUNS:
            assert clock.paused_at is None
        case ClockChange.PAUSES:
            assert clock.paused_at is not None and clock.waiting_since is None
        case ClockChange.WAITS_AGAIN:
            assert clock.paused_at is not None and clock.waiting_since is not None
            assert clock.waiting_since != before.sla.waiting_since
        case ClockChange.RETIMED:
            assert clock.resolution_due_at != before.sla.resolution_due_at
        case ClockChange.STOPS:
            assert clock.next_at is None
        case ClockChange.STARTS:
            raise AssertionError("a new ticket is opened, not performed")
