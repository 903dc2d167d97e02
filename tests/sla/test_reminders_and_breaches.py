"""Reminders for unclaimed tickets, and escalation on breach: each happens exactly once,
however often the sweep runs, after downtime, and with two schedulers at once."""

from __future__ import annotations

import threading

import pytest

from bot.actions import ChangeKind, PostTicketCard, RemindAgents, Reply, UpdateTicketCard
from bot.jobs.runner import Jobs
from bot.settings import Settings
from storage.db import Database
from tests.sla.conftest import Desk
from tests.support.chat import BotTurn, FakeClock


def test_an_unclaimed_ticket_reminds_its_tier_at_half_and_ninety_percent_once_each(
    desk: Desk,
) -> None:
    desk.open()  # normal: first response due 13:00
    desk.at("2026-03-02 10:59")
    assert desk.sweep().actions == []

    desk.at("2026-03-02 11:00")
    first = desk.sweep().one(RemindAgents)
    assert desk.sweep().actions == []
    desk.at("2026-03-02 12:36")
    second = desk.sweep().one(RemindAgents)
    desk.at("2026-03-02 12:50")
    assert desk.sweep().actions == []

    assert "50%" in first.text and "still unclaimed" in first.text
    assert "90%" in second.text and "Monday 2 March at 13:00 (UTC)" in second.text
    assert first.kind == "reminder" and first.ticket.key == "T-1"
    assert desk.events().count("sla_reminder") == 2


def test_a_claimed_ticket_is_not_reminded(desk: Desk) -> None:
    desk.open()
    desk.chat.command("claim T-1", who="alice")
    desk.at("2026-03-02 12:59")

    assert desk.sweep().actions == []


def test_a_missed_first_response_escalates_once_and_the_card_shows_it(desk: Desk) -> None:
    desk.open()
    desk.at("2026-03-02 13:00")

    bot = desk.sweep()

    update = bot.one(UpdateTicketCard)
    assert update.ticket.tier_name == "Specialists" and update.ticket.status == "open"
    assert update.ticket.breached == ("first_response",)
    assert "SLA breached" in update.change and "escalated to Specialists" in update.change
    assert update.kind is ChangeKind.ESCALATED
    assert bot.one(PostTicketCard).ticket.tier == 2
    assert "passed to the Specialists team" in bot.one(Reply).text
    assert desk.events()[-2:] == ["sla_breached", "escalated"]
    for minutes in (1, 60, 600):
        desk.clock.advance(minutes=minutes)
        assert desk.sweep().of(PostTicketCard) == []
    assert desk.events().count("sla_breached") == 1


def test_a_missed_resolution_escalates_a_claimed_ticket(desk: Desk) -> None:
    desk.open()
    desk.chat.command("reply T-1 Looking into it", who="alice")
    desk.chat.say("thanks, it is still broken")  # back to claimed: the clock runs
    desk.at("2026-03-04 16:59")
    assert desk.sweep().actions == []

    desk.at("2026-03-04 17:00")
    bot = desk.sweep()

    assert bot.one(PostTicketCard).ticket.breached == ("resolution",)
    assert desk.ticket().tier == 2 and desk.ticket().assignee is None


def test_at_the_top_tier_a_breach_is_reported_instead(desk: Desk) -> None:
    desk.open()
    desk.chat.command("escalate T-1 needs a specialist", who="alice")
    desk.at("2026-03-02 13:00")

    bot = desk.sweep()

    alert = bot.one(RemindAgents)
    assert alert.kind == "breach" and "Specialists is the last tier" in alert.text
    assert bot.one(UpdateTicketCard).ticket.breached == ("first_response",)
    assert bot.one(UpdateTicketCard).kind is ChangeKind.SLA_BREACHED
    assert bot.of(PostTicketCard) == []
    assert desk.sweep().actions == []


def test_after_downtime_everything_missed_is_acted_on_once(desk: Desk) -> None:
    desk.open()
    desk.at("2026-03-06 12:00")  # down from Monday morning until Friday

    bot = desk.sweep()

    assert bot.of(RemindAgents) == []  # the breach says more than a late reminder
    assert len(bot.of(PostTicketCard)) == 1
    assert bot.one(PostTicketCard).ticket.breached == ("first_response", "resolution")
    assert desk.events().count("sla_breached") == 1
    assert desk.sweep().actions == []


def test_the_sweep_reads_only_tickets_with_something_due(desk: Desk) -> None:
    for n in range(3):
        desk.clock.advance(minutes=2)
        desk.chat.command(f"new problem number {n}", who=f"person{n}")
    desk.at("2026-03-02 11:02")

    with desk.database.unit_of_work() as store:
        assert list(store.due_ticket_ids(desk.clock(), 10)) == [1]


def test_two_schedulers_on_one_database_escalate_once(
    desk: Desk, database: Database, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    for n in range(4):
        desk.chat.command(f"new problem number {n}", who=f"person{n}")
    later = FakeClock(desk.clock.now)
    later.advance(hours=5)
    workers = [Jobs(settings, database.unit_of_work, later) for _ in range(2)]
    barrier = threading.Barrier(len(workers))
    results: list[int] = []

    def run(jobs: Jobs) -> None:
        barrier.wait(timeout=10)
        results.append(sum(isinstance(d.action, PostTicketCard) for d in jobs.sweep()))

    threads = [threading.Thread(target=run, args=(jobs,)) for jobs in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(results) == 4
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
    for key in ("T-1", "T-2", "T-3", "T-4"):
        assert desk.events(key).count("escalated") == 1
        assert desk.ticket(key).tier == 2


@pytest.fixture
def no_escalation() -> Settings:
    return Settings.model_validate({"sla": {"escalate_on_breach": False}})


def test_breaches_can_be_reported_without_moving_the_ticket(
    database: Database, no_escalation: Settings, desk: Desk
) -> None:
    desk.open()
    desk.at("2026-03-02 13:00")

    deliveries = Jobs(no_escalation, database.unit_of_work, desk.clock).sweep()

    bot = BotTurn([d.action for d in deliveries])

    assert bot.one(RemindAgents).kind == "breach"
    assert desk.ticket().tier == 1
