"""The daily digest per tier: open tickets by priority and age, unclaimed, breached, and
yesterday's deflections; posted once a day from the configured time, on open days."""

from __future__ import annotations

from bot.actions import PostDigest
from bot.events import Person, Place
from bot.jobs.runner import Jobs
from bot.settings import Settings
from tests.sla.conftest import Desk


def deflection(desk: Desk, when: str) -> None:
    """Someone pressed "Solved" on an answer of the bot."""
    desk.at(when)
    with desk.database.unit_of_work() as store:
        user = store.save_user(Person("console", "carol"), "requester", desk.clock())
        conversation = store.conversation(Place("console", "carol"), desk.clock())
        store.add_feedback(
            user=user, conversation=conversation, kind="solved", now=desk.clock(), helpful=True
        )


def monday_and_tuesday(desk: Desk) -> None:
    desk.open("the printer on floor 3 is on fire")  # T-1, will breach and escalate
    desk.at("2026-03-02 09:05")
    desk.chat.command("new the scanner jams", who="dave")  # T-2, answered
    desk.chat.command("reply T-2 Which scanner?", who="alice")
    deflection(desk, "2026-03-02 12:00")  # the day before yesterday
    desk.at("2026-03-02 13:00")
    desk.sweep()
    deflection(desk, "2026-03-03 12:00")  # yesterday
    desk.at("2026-03-03 16:00")
    desk.chat.command("new please add me to the design group", who="erin")  # T-3
    desk.chat.command("priority T-3 low", who="alice")
    deflection(desk, "2026-03-04 08:00")  # today


def test_each_tier_gets_its_digest_once_a_day_from_the_set_time(desk: Desk) -> None:
    monday_and_tuesday(desk)
    desk.at("2026-03-04 08:59")
    assert desk.digest().actions == []

    desk.at("2026-03-04 09:00")
    digests = desk.digest().of(PostDigest)

    assert [(d.tier, d.tier_name) for d in digests] == [(1, "Service desk"), (2, "Specialists")]
    first, second = digests
    assert first.open_by_priority == (("normal", 1), ("low", 1))
    assert first.open_by_age == (("under 1 day", 1), ("1-3 days", 1))
    assert first.unclaimed == ("T-3",) and first.breached == ()
    assert second.unclaimed == ("T-1",) and second.breached == ("T-1",)
    assert first.deflections == second.deflections == 1
    assert first.text.splitlines() == [
        "Daily digest for Service desk, Wednesday 4 March 2026",
        "Open tickets: 2",
        "By priority: normal 1, low 1",
        "By age: under 1 day 1, 1-3 days 1",
        "Unclaimed: T-3",
        "SLA breached: none",
        "Answered by the bot yesterday (marked solved): 1",
    ]
    desk.at("2026-03-04 15:00")
    assert desk.digest().actions == []


def test_no_digest_on_days_the_desk_is_closed(desk: Desk) -> None:
    desk.at("2026-03-07 10:00")  # Saturday

    assert desk.digest().actions == []


def test_a_digest_only_counts_its_own_platforms_tickets(desk: Desk) -> None:
    desk.open()

    digests = desk.digest("slack").of(PostDigest)

    assert [d.text.splitlines()[1] for d in digests] == ["Open tickets: 0"] * 2
    assert digests[0].platform == "slack"


def test_a_second_tier0_process_does_not_post_the_digest_again(
    desk: Desk, settings: Settings
) -> None:
    other = Jobs(settings, desk.database.unit_of_work, desk.clock)

    first = desk.digest().of(PostDigest)
    second = [d.action for d in other.digest(["console"])]

    assert len(first) == 2 and second == []
