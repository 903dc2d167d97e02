"""Resolved tickets close when the reopen window is over (7 days by default)."""

from __future__ import annotations

from bot.actions import ChangeKind, UpdateTicketCard
from tests.sla.conftest import Desk


def resolved(desk: Desk) -> None:
    desk.open()
    desk.chat.command("claim T-1", who="alice")
    desk.at("2026-03-02 10:00")
    desk.chat.command("resolve T-1 new toner", who="alice")


def test_a_resolved_ticket_closes_after_the_reopen_window(desk: Desk) -> None:
    resolved(desk)
    desk.at("2026-03-09 09:59")
    assert desk.sweep().actions == []

    desk.at("2026-03-09 10:00")
    bot = desk.sweep()

    assert bot.one(UpdateTicketCard).ticket.status == "closed"
    assert bot.one(UpdateTicketCard).change == "closed"
    assert bot.one(UpdateTicketCard).kind is ChangeKind.CLOSED
    ticket = desk.ticket()
    assert ticket.status == "closed" and ticket.closed_at == desk.clock()
    assert ticket.sla.next_at is None
    assert desk.events()[-1] == "closed"
    assert desk.sweep().actions == []


def test_once_closed_the_requesters_next_message_is_a_new_question(desk: Desk) -> None:
    resolved(desk)
    desk.at("2026-03-10 10:00")
    desk.sweep()

    bot = desk.chat.command("new the scanner is broken too")

    assert bot.card().ticket.key == "T-2"


def test_a_closed_ticket_can_no_longer_be_reopened(desk: Desk) -> None:
    resolved(desk)
    desk.at("2026-03-10 10:00")
    desk.sweep()

    bot = desk.chat.command("reopen T-1")

    assert "closed" in bot.refusal()


def test_a_reopened_ticket_does_not_close(desk: Desk) -> None:
    resolved(desk)
    desk.at("2026-03-03 10:00")
    desk.chat.command("reopen T-1")

    desk.at("2026-03-10 10:00")
    desk.sweep()

    assert desk.ticket().status != "closed"
