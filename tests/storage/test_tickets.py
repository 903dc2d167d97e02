"""Tickets: keys, compare-and-set updates, listing, history and timestamps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from bot.events import Person
from bot.records import TicketEventRecord
from storage.models import TicketRow
from storage.repository import SqlStore
from tests.storage.conftest import HOME, T0, Scene, at

NOT_KEYS = [
    "",
    "T-",
    "X-1",
    "T-abc",
    "T--1",
    "T-+1",
    "T-1.0",
    "T-\u00b2",
    "T-\uff11",
    "T-\u0661",
    "T 1",
    "T-0",
]
TOO_BIG = ["T-2147483648", "T-9999999999", "T-999999999999999999", "T-99999999999999999999"]


def updated_at(store: SqlStore, ticket_id: int) -> datetime:
    return store.session.scalars(
        select(TicketRow.updated_at).where(TicketRow.id == ticket_id)
    ).one()


def test_a_new_ticket_is_open_and_keyed_by_its_id(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        first = scene.open_ticket(store)
        second = scene.open_ticket(store, "printer on fire")
    assert (first.key, second.key) == (f"T-{first.id}", f"T-{second.id}")
    assert second.id > first.id
    assert (first.status, first.tier, first.priority, first.subject) == (
        "open",
        1,
        "normal",
        "VPN drops",
    )
    assert (first.requester, first.conversation_id, first.place) == (
        scene.requester,
        scene.conversation.id,
        HOME,
    )
    assert first.assignee is None and first.active
    assert (first.created_at, first.first_response_at, first.resolved_at) == (T0, None, None)


@pytest.mark.parametrize("spelling", ["{key}", "{lower}", "  {key}\n"])
def test_a_ticket_is_found_by_its_key_in_any_case(scene: Scene, spelling: str) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        key = spelling.format(key=ticket.key, lower=ticket.key.lower())
        assert store.ticket_by_key(key) == ticket


def test_a_well_formed_key_of_no_ticket_finds_nothing(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        assert store.ticket_by_key(f"T-{ticket.id + 1}") is None


def test_garbage_keys_find_nothing_and_leave_the_transaction_usable(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        found = {garbage: store.ticket_by_key(garbage) for garbage in NOT_KEYS + TOO_BIG}
        assert found == dict.fromkeys(NOT_KEYS + TOO_BIG)
        assert store.ticket(ticket.id) == ticket


def test_a_claim_applies_when_the_status_is_as_expected(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        agent = sql_scene.agent(store, "U-KIM", "Kim")
        ticket = sql_scene.open_ticket(store)
        claimed = store.update_ticket(
            ticket, {"open"}, at(5), status="claimed", assignee_id=agent.id, first_response_at=at(5)
        )
    assert claimed is not None
    assert (claimed.status, claimed.assignee, claimed.first_response_at) == (
        "claimed",
        agent,
        at(5),
    )
    with sql_scene.database.unit_of_work() as store:
        assert store.ticket(ticket.id) == claimed
        assert updated_at(store, ticket.id) == at(5)


def test_an_update_from_an_unexpected_status_changes_nothing(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store:
        agent = sql_scene.agent(store, "U-KIM")
        ticket = sql_scene.open_ticket(store)
        stale = store.update_ticket(
            ticket, {"claimed", "waiting_on_user"}, at(5), status="resolved"
        )
        nothing_expected = store.update_ticket(ticket, set(), at(5), assignee_id=agent.id)
        assert (stale, nothing_expected) == (None, None)
        assert store.ticket(ticket.id) == ticket
        assert updated_at(store, ticket.id) == T0


def test_a_change_checked_against_an_old_tier_changes_nothing(scene: Scene) -> None:
    """An agent allowed at tier 1 must not claim a ticket escalated to tier 2 meanwhile."""
    with scene.database.unit_of_work() as store:
        agent = scene.agent(store, "U-KIM")
        seen_at_tier_1 = scene.open_ticket(store)
    with scene.database.unit_of_work() as store:
        assert store.update_ticket(seen_at_tier_1, {"open"}, at(1), tier=2)
    with scene.database.unit_of_work() as store:
        late = store.update_ticket(
            seen_at_tier_1, {"open"}, at(2), status="claimed", assignee_id=agent.id
        )
        assert late is None
        assert store.ticket(seen_at_tier_1.id).status == "open"


def test_a_second_claim_of_the_same_ticket_loses(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        kim, lee = scene.agent(store, "U-KIM"), scene.agent(store, "U-LEE")
        ticket = scene.open_ticket(store)
    with scene.database.unit_of_work() as store:
        assert store.update_ticket(ticket, {"open"}, at(1), status="claimed", assignee_id=kim.id)
    with scene.database.unit_of_work() as store:
        assert (
            store.update_ticket(ticket, {"open"}, at(2), status="claimed", assignee_id=lee.id)
            is None
        )
        assert store.ticket(ticket.id).assignee == kim


def test_a_ticket_opened_without_a_question_can_be_given_its_subject(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        described = store.update_ticket(ticket, {"open"}, at(1), subject="the printer smokes")
        assert described is not None and described.subject == "the printer smokes"
        assert store.ticket(ticket.id).subject == "the printer smokes"


@pytest.mark.parametrize("field", ["id", "requester_id", "created_at", "nonsense"])
def test_updating_a_field_that_is_not_changeable_raises(scene: Scene, field: str) -> None:
    with scene.database.unit_of_work() as store:
        ticket = scene.open_ticket(store)
        with pytest.raises(ValueError, match=field):
            store.update_ticket(ticket, {"open"}, at(1), status="claimed", **{field: "x"})
        assert store.ticket(ticket.id) == ticket


def test_timestamps_come_back_as_aware_utc_whatever_the_session_time_zone(sql_scene: Scene) -> None:
    sao_paulo = timezone(timedelta(hours=-3))
    with sql_scene.database.unit_of_work() as store:
        ticket = sql_scene.open_ticket(store, now=datetime(2024, 5, 1, 6, 30, tzinfo=sao_paulo))
        store.update_ticket(ticket, {"open"}, at(1), status="resolved", resolved_at=at(1))
    with sql_scene.database.unit_of_work() as store:
        if store.session.get_bind().dialect.name == "postgresql":
            store.session.execute(text("SET LOCAL TIME ZONE 'Asia/Kolkata'"))
        stored = store.ticket(ticket.id)
        stamps = [stored.created_at, stored.resolved_at, updated_at(store, ticket.id)]
    assert stamps == [T0, at(1), at(1)]
    for stamp in stamps:
        assert stamp is not None and stamp.tzinfo is UTC


def test_a_naive_timestamp_is_refused(sql_scene: Scene) -> None:
    with sql_scene.database.unit_of_work() as store, pytest.raises(StatementError, match="naive"):
        sql_scene.open_ticket(store, now=datetime(2024, 5, 1, 9, 30))


def test_tickets_are_listed_newest_first_and_filtered_by_status(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        agent = scene.agent(store, "U-KIM")
        a, b, c, d = (scene.open_ticket(store, name, at(i)) for i, name in enumerate("abcd"))
        store.update_ticket(b, {"open"}, at(9), status="claimed", assignee_id=agent.id)
        store.update_ticket(c, {"open"}, at(9), status="closed", closed_at=at(9))
    with scene.database.unit_of_work() as store:

        def keys(statuses: set[str] | None = None, limit: int = 50) -> list[str]:
            return [t.key for t in store.list_tickets(statuses, limit)]

        assert keys() == [d.key, c.key, b.key, a.key]
        assert keys({"open", "claimed"}) == [d.key, b.key, a.key]
        assert keys({"closed"}) == [c.key]
        assert keys({"waiting_on_user"}) == []
        assert keys(limit=2) == [d.key, c.key]
        assert store.list_tickets({"claimed"})[0].assignee == agent


def test_ticket_events_keep_their_order_and_actor(scene: Scene) -> None:
    with scene.database.unit_of_work() as store:
        kim = scene.agent(store, "U-KIM", "Kim")
        nameless = store.save_user(Person("slack", "U-NONAME"), "agent", T0)
        ticket = scene.open_ticket(store)
        other = scene.open_ticket(store, "other")
        store.log_ticket_event(ticket, scene.requester, "opened", T0, to_status="open")
        store.log_ticket_event(other, kim, "opened", T0, to_status="open")
        store.log_ticket_event(
            ticket, kim, "claimed", at(1), from_status="open", to_status="claimed"
        )
        store.log_ticket_event(ticket, nameless, "note", at(1), detail="checked MTU")
        store.log_ticket_event(ticket, None, "reminder", at(2), detail="no reply for 1h")
    with scene.database.unit_of_work() as store:
        assert store.ticket_events(ticket.id) == [
            TicketEventRecord("opened", "Ann", None, "open", "", T0),
            TicketEventRecord("claimed", "Kim", "open", "claimed", "", at(1)),
            TicketEventRecord("note", "U-NONAME", None, None, "checked MTU", at(1)),
            TicketEventRecord("reminder", None, None, None, "no reply for 1h", at(2)),
        ]
