"""Card updates carry what changed as a code (``ChangeKind``) beside the words shown.

Code compares the kind, never the words; card updates stored in the outbox before kinds
existed still load, as a change of no particular kind.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.actions import ChangeKind, TicketView, UpdateTicketCard
from bot.delivery.outbox import Outbox, decode_action, encode_action, lane_of
from bot.events import Person, Place
from storage.db import Database
from tests.support.chat import Chat

PLACE = Place("slack", "C1", "171.1")
VIEW = TicketView(
    "T-7", "claimed", 1, "Service desk", "normal", "printer", Person("slack", "U1", "Ann"),
    PLACE, None, datetime(2026, 3, 2, 9, tzinfo=UTC),
)  # fmt: skip
CHANGE = UpdateTicketCard(VIEW, "reopened", ChangeKind.REOPENED)


def written_before_kinds(update: UpdateTicketCard) -> str:
    """The outbox payload an update had before card updates carried a kind."""
    stored = json.loads(encode_action(update))
    del stored["data"]["kind"]
    return json.dumps(stored)


def test_a_card_update_keeps_its_kind_through_the_outbox() -> None:
    assert decode_action(encode_action(CHANGE)) == CHANGE


def test_a_card_update_stored_before_kinds_existed_is_read_as_the_kind_its_words_name() -> None:
    loaded = decode_action(written_before_kinds(CHANGE))

    assert loaded == UpdateTicketCard(VIEW, "reopened", ChangeKind.REOPENED)


def test_an_old_card_update_whose_words_name_no_kind_only_redraws_the_card() -> None:
    old = UpdateTicketCard(VIEW, "escalated to Tier 2: vpn again", ChangeKind.ESCALATED)

    loaded = decode_action(written_before_kinds(old))

    assert loaded == UpdateTicketCard(VIEW, "escalated to Tier 2: vpn again")
    assert loaded.kind is ChangeKind.UNSPECIFIED


def test_an_outbox_row_written_before_kinds_existed_is_still_sent(database: Database) -> None:
    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    with database.unit_of_work() as store:
        store.enqueue([("slack", lane_of(CHANGE), written_before_kinds(CHANGE))], now)

    pending = Outbox(database.unit_of_work, lambda: now).pending("slack")

    assert [d.action for d in pending] == [UpdateTicketCard(VIEW, "reopened", ChangeKind.REOPENED)]


def test_every_card_update_in_a_tickets_life_says_what_happened_as_a_kind(chat: Chat) -> None:
    chat.say("how do I book a meeting room in Lisbon")
    steps = (
        ("alice", "claim T-1"),
        ("alice", "priority T-1 high"),
        ("alice", "reply T-1 'which floor?'"),
        ("you", "the third floor"),
        ("alice", "unclaim T-1"),
        ("alice", "assign T-1 alice"),
        ("alice", "escalate T-1 network"),
        ("bob", "resolve T-1"),
        ("bob", "reopen T-1"),
    )

    kinds = [
        (chat.say(line) if who == "you" else chat.command(line, who=who)).update().kind
        for who, line in steps
    ]

    assert kinds == [
        ChangeKind.CLAIMED,
        ChangeKind.PRIORITY_CHANGED,
        ChangeKind.AGENT_REPLIED,
        ChangeKind.REQUESTER_REPLIED,
        ChangeKind.UNCLAIMED,
        ChangeKind.ASSIGNED,
        ChangeKind.ESCALATED,
        ChangeKind.RESOLVED,
        ChangeKind.REOPENED,
    ]
