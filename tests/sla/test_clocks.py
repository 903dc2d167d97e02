"""SLA clocks on tickets: set when a ticket opens, paused while waiting on the requester,
re-timed by a new priority; and the requester is told when people are back."""

from __future__ import annotations

from tests.sla.conftest import Desk, utc


def test_a_new_ticket_gets_due_times_in_open_hours(desk: Desk) -> None:
    bot = desk.chat.command("new the printer on floor 3 is on fire")

    view = bot.card().ticket
    # normal: first response 4 h, resolution 3 business days (3 x 8 open hours).
    assert view.first_response_due_at == utc("2026-03-02 13:00")
    assert view.resolution_due_at == utc("2026-03-04 17:00")
    assert view.breached == () and not view.sla_paused
    assert desk.ticket().sla.next_at == utc("2026-03-02 11:00")  # the 50 % reminder


def test_waiting_on_the_requester_pauses_the_clock_and_their_reply_resumes_it(
    desk: Desk,
) -> None:
    desk.open()
    desk.at("2026-03-02 10:00")
    bot = desk.chat.command("reply T-1 Is it still smoking?", who="alice")
    assert bot.update().ticket.sla_paused
    assert bot.update().ticket.first_response_due_at is None  # answered

    desk.at("2026-03-03 10:00")  # 8 open hours later (Monday 10-17, Tuesday 9-10)
    bot = desk.chat.say("yes, a bit")

    view = bot.update().ticket
    assert not view.sla_paused
    assert view.resolution_due_at == utc("2026-03-05 17:00")  # a business day later
    assert desk.ticket().sla.paused_seconds == 8 * 3600


def test_a_new_priority_re_times_the_ticket(desk: Desk) -> None:
    desk.open()
    desk.at("2026-03-02 09:05")

    bot = desk.chat.command("priority T-1 urgent", who="alice")

    view = bot.update().ticket
    assert view.first_response_due_at == utc("2026-03-02 09:15")
    assert view.resolution_due_at == utc("2026-03-02 13:00")


def test_resolved_time_does_not_count_after_a_reopen(desk: Desk) -> None:
    desk.open()
    desk.chat.command("claim T-1", who="alice")
    desk.at("2026-03-02 11:00")
    desk.chat.command("resolve T-1 replaced the toner", who="alice")
    desk.at("2026-03-03 11:00")  # 8 open hours

    desk.chat.press("Reopen")

    assert desk.ticket().status == "claimed"
    assert desk.ticket().sla.resolution_due_at == utc("2026-03-05 17:00")


def test_out_of_hours_the_requester_hears_when_people_are_back(desk: Desk) -> None:
    desk.at("2026-03-07 12:00")  # Saturday

    bot = desk.chat.command("new the printer on floor 3 is on fire")

    assert "I opened ticket T-1" in bot.text()
    assert "from Monday 9 March at 09:00 (UTC)" in bot.text()
    assert bot.card().ticket.first_response_due_at == utc("2026-03-09 13:00")


def test_in_hours_there_is_no_such_notice(desk: Desk) -> None:
    bot = desk.chat.command("new the printer on floor 3 is on fire")

    assert "away" not in bot.text()
