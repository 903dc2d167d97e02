"""Waiting on the requester: a nudge after N hours, auto-resolve after M days with the
rating request and Reopen; any reply from the requester cancels the countdown."""

from __future__ import annotations

from bot.actions import AskRating, ChangeKind, Reply, UpdateTicketCard
from tests.sla.conftest import Desk


def answered(desk: Desk) -> None:
    desk.open()
    desk.at("2026-03-02 10:00")
    desk.chat.command("reply T-1 Try switching it off and on again", who="alice")


def test_the_requester_is_nudged_once_then_the_ticket_resolves_itself(desk: Desk) -> None:
    answered(desk)
    desk.at("2026-03-03 09:59")
    assert desk.sweep().actions == []

    desk.at("2026-03-03 10:00")  # 24 hours without an answer
    nudge = desk.sweep().one(Reply)
    assert desk.sweep().actions == []
    desk.at("2026-03-05 10:00")  # 3 days
    bot = desk.sweep()

    assert nudge.place == desk.chat.place("you")
    assert "Just reply here" in nudge.text and "Thursday 5 March at 10:00" in nudge.text
    rating = bot.one(AskRating)
    assert "marked it as resolved" in rating.text
    assert [b.label for b in rating.buttons] == ["1", "2", "3", "4", "5", "Reopen"]
    assert bot.one(UpdateTicketCard).ticket.status == "resolved"
    assert bot.one(UpdateTicketCard).kind is ChangeKind.AUTO_RESOLVED
    assert desk.ticket().status == "resolved"
    assert desk.events()[-2:] == ["nudged", "auto_resolved"]
    assert desk.sweep().actions == []


def test_the_requester_can_rate_or_reopen_an_auto_resolved_ticket(desk: Desk) -> None:
    answered(desk)
    desk.at("2026-03-05 10:00")
    desk.chat.history.append(desk.sweep())

    desk.chat.press("Reopen")

    assert desk.ticket().status == "claimed"


def test_a_reply_from_the_requester_cancels_the_countdown(desk: Desk) -> None:
    answered(desk)
    desk.at("2026-03-03 10:00")
    desk.sweep()  # nudged
    desk.at("2026-03-03 11:00")

    desk.chat.say("it still prints nothing")

    desk.at("2026-03-09 10:00")
    actions = desk.sweep().actions
    assert not any(isinstance(a, AskRating) for a in actions)
    assert desk.ticket().status != "resolved"


def test_another_reply_from_the_agent_starts_the_countdown_again(desk: Desk) -> None:
    answered(desk)
    desk.at("2026-03-03 09:00")
    desk.chat.command("reply T-1 Did that help?", who="alice")

    desk.at("2026-03-03 10:00")
    assert desk.sweep().actions == []
    desk.at("2026-03-04 09:00")
    assert "Just reply here" in desk.sweep().one(Reply).text
    desk.at("2026-03-06 08:59")
    assert desk.sweep().actions == []
    desk.at("2026-03-06 09:00")
    assert desk.sweep().of(AskRating)


def test_after_downtime_the_ticket_resolves_without_a_late_nudge(desk: Desk) -> None:
    answered(desk)
    desk.at("2026-03-10 10:00")

    bot = desk.sweep()

    assert bot.of(Reply) == []
    assert len(bot.of(AskRating)) == 1
