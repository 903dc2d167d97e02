"""The weekly KB-gaps post, and the questions it is made of (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.actions import Reply
from bot.conversation.engine import Engine
from bot.events import Place
from bot.jobs.runner import Jobs
from bot.settings import KBSettings, Settings
from kb import KnowledgeBase
from kb.gaps import Asked
from storage.db import Database
from tests.support.chat import Chat, FakeClock

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # the default desk's digest time
LAST_WEEK = datetime(2026, 2, 24, 10, 0, tzinfo=UTC)
ROOMS = [
    "how do I book a meeting room in Lisbon",
    "book meeting room lisbon office",
    "where do I book meeting rooms in lisbon?",
]
COFFEE = ["the coffee machine on floor 2 is broken", "coffee machine on floor 2 is leaking"]


@pytest.fixture
def settings() -> Settings:
    """Nothing is ever confident enough: every question ends in a ticket."""
    return Settings(
        kb=KBSettings(answer_threshold=1.0, suggest_threshold=1.0, gaps_channels={"console": "kb"})
    )


@pytest.fixture
def asked_last_week(chat: Chat, clock: FakeClock) -> None:
    clock.now = datetime(2026, 2, 20, 10, 0, tzinfo=UTC)  # more than a week before Monday
    for n, text in enumerate(ROOMS):
        chat.say(text, f"early{n}")
    clock.now = LAST_WEEK
    for n, text in enumerate([*ROOMS, *COFFEE, "my chair is broken"]):
        assert chat.say(text, f"asker{n}").card()
    chat.say("talk to a human about the lisbon meeting rooms", "impatient")  # not a KB gap


def test_on_monday_the_week_s_gaps_are_posted_once(
    asked_last_week: None, database: Database, settings: Settings, clock: FakeClock
) -> None:
    jobs = Jobs(settings, database.unit_of_work, clock)
    clock.now = MONDAY.replace(minute=0, hour=8)
    assert jobs.kb_gaps(["console"]) == []  # before the digest time

    clock.now = MONDAY
    (posted,) = [delivery.action for delivery in jobs.kb_gaps(["console"])]

    assert isinstance(posted, Reply) and posted.place == Place("console", "kb")
    assert posted.text.splitlines() == [
        "Knowledge-base gaps on console this week: questions the bot could not answer, "
        "most asked first",
        "1. “how do I book a meeting room in Lisbon”, asked 3 times (also: "
        "“book meeting room lisbon office”; “where do I book meeting rooms in lisbon?”)",
        "2. “the coffee machine on floor 2 is broken”, asked 2 times (also: "
        "“coffee machine on floor 2 is leaking”)",
    ]
    assert jobs.kb_gaps(["console"]) == []  # this week's is out


def test_a_week_without_repeated_gaps_says_so(
    database: Database, settings: Settings, clock: FakeClock
) -> None:
    clock.now = MONDAY
    (posted,) = Jobs(settings, database.unit_of_work, clock).kb_gaps(["console"])

    assert isinstance(posted.action, Reply)
    assert posted.action.text.endswith("No question went unanswered more than once this week.")


def test_platforms_without_a_gaps_channel_get_nothing(
    database: Database, settings: Settings, clock: FakeClock
) -> None:
    clock.now = MONDAY
    assert Jobs(settings, database.unit_of_work, clock).kb_gaps(["slack"]) == []


def test_unsettled_questions_are_what_the_kb_did_not_settle(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    answers = Chat(Engine(Settings(), sample_kb, database.unit_of_work, clock), clock)
    answers.say("my vpn won't connect", "solved")
    answers.press("Solved", "solved")
    answers.say("my vpn won't connect", "unhelped")
    answers.press("Still need help", "unhelped")
    answers.say("talk to a human", "person")
    answers.say("how do I book a meeting room in Lisbon", "nothing")

    with database.unit_of_work() as store:
        found = store.unsettled_questions(MONDAY, MONDAY.replace(hour=10))
        elsewhere = store.unsettled_questions(MONDAY, MONDAY.replace(hour=10), "slack")

    assert found == [
        Asked("my vpn won't connect", "vpn-cannot-connect"),
        Asked("how do I book a meeting room in Lisbon"),
    ]
    assert elsewhere == []
