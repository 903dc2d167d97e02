"""``tier0 report`` figures on a day whose every figure is known, on SQLite and PostgreSQL.

Monday 2 March 2026 (desk open 09:00-17:00 UTC; normal priority: first response within
4 open hours, resolution within 3 open days). On the console: ann, ben and cat ask the
same VPN question (ann: Solved, ben: Still need help -> T-1, cat: no feedback); dan asks
for a person (T-2); eve opens a ticket directly (T-3, not a question); fay is offered
articles and presses None of these (T-4); gus picks the first offered article and presses
Solved; hal only says hi. On Discord zed's question is answered and solved. alice
answers T-1 after 1 h and T-2 after 30 min; T-3 and T-4 miss their first response (the
14:00 sweep escalates them), bob answers T-3 5 h after it was opened; T-4 stays open.
Ratings: 5 (T-1), 3 (T-2), 2 (T-3).
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.actions import AnswerArticle
from bot.conversation.engine import Engine
from bot.events import ButtonPressed, MessageReceived, Person, Place
from bot.jobs.runner import Jobs
from bot.reports.data import ReportWindow
from bot.reports.figures import Report, build_report
from bot.settings import KBSettings, Settings
from kb import KnowledgeBase
from storage.db import Database
from storage.reports import load_report_data
from tests.support.chat import Chat, FakeClock

VPN_QUESTION = "my vpn won't connect"
DAY = datetime(2026, 3, 2, tzinfo=UTC)


def at(clock: FakeClock, hhmm: str) -> None:
    hours, minutes = hhmm.split(":")
    clock.now = DAY + timedelta(hours=int(hours), minutes=int(minutes))


@pytest.fixture
def offered_article(database: Database, sample_kb: KnowledgeBase, clock: FakeClock) -> str:
    """Plays the whole day; returns the article gus picked from the list he was offered."""
    always_answers = Settings(kb=KBSettings(answer_threshold=0.0, suggest_threshold=0.0))
    always_offers = Settings(kb=KBSettings(answer_threshold=1.0, suggest_threshold=0.0))
    chat = Chat(Engine(always_answers, sample_kb, database.unit_of_work, clock), clock)
    choosing = Chat(
        Engine(always_offers, sample_kb, database.unit_of_work, clock),
        clock,
        _ids=itertools.count(1000),
    )
    jobs = Jobs(always_answers, database.unit_of_work, clock)

    at(clock, "09:00")
    chat.say(VPN_QUESTION, "ann")
    at(clock, "09:01")
    chat.press("Solved", "ann")
    at(clock, "09:10")
    chat.say(VPN_QUESTION, "ben")
    at(clock, "09:12")
    assert chat.press("Still need help", "ben").card().ticket.key == "T-1"
    at(clock, "09:20")
    chat.say(VPN_QUESTION, "cat")
    at(clock, "09:30")
    assert chat.say("talk to a human", "dan").card().ticket.key == "T-2"
    at(clock, "09:40")
    assert chat.command("new the printer on floor 3 is on fire", "eve").card().ticket.key == "T-3"
    at(clock, "09:45")
    chat.say("hi", "hal")
    at(clock, "09:50")
    choosing.say("printer", "fay")
    assert choosing.press("None of these", "fay").card().ticket.key == "T-4"
    at(clock, "10:00")
    offer = choosing.say("printer", "gus").offer()
    choosing.press(offer.articles[0].title, "gus")
    choosing.press("Solved", "gus")
    chat.command("reply T-2 restart the client, please", "alice")
    at(clock, "10:12")
    chat.command("reply T-1 try the other profile", "alice")
    at(clock, "11:00")
    zed, discord = Person("discord", "4242", "zed"), Place("discord", "support", "t1")
    answer = chat.engine.handle(
        MessageReceived(zed, discord, "I cannot log in to my account", "d1")
    )
    article = next(d.action.article.id for d in answer if isinstance(d.action, AnswerArticle))
    chat.engine.handle(ButtonPressed(zed, discord, "solved", article, "d2"))
    at(clock, "11:12")
    chat.command("resolve T-1", "alice")
    at(clock, "11:20")
    chat.press("5", "ben")
    at(clock, "13:30")
    chat.command("resolve T-2", "alice")
    at(clock, "13:40")
    chat.press("3", "dan")
    at(clock, "14:00")
    jobs.sweep()
    at(clock, "14:40")
    chat.command("reply T-3 the fire brigade is on its way", "bob")
    at(clock, "15:40")
    chat.command("resolve T-3", "bob")
    at(clock, "15:50")
    chat.press("2", "eve")
    return offer.articles[0].id


def report(database: Database, window: ReportWindow) -> Report:
    with database.session() as session:
        return build_report(load_report_data(session, window))


WHOLE_DAY = ReportWindow(DAY, DAY + timedelta(days=1))


def test_questions_answers_and_deflection(offered_article: str, database: Database) -> None:
    day = report(database, WHOLE_DAY)

    assert day.questions == 7  # ann ben cat dan fay gus zed; not eve's /new, not hal's hi
    assert day.answered == 5  # ann ben cat gus zed
    assert day.solved == 3  # ann gus zed
    assert day.deflection_rate == pytest.approx(3 / 7)
    assert day.answer_rate == pytest.approx(5 / 7)
    assert day.still_need_help == 1 and day.none_of_these == 1
    assert day.questions_ticketed == 3  # ben dan fay


def test_tickets_and_their_times(offered_article: str, database: Database) -> None:
    day = report(database, WHOLE_DAY)

    assert day.tickets_opened == 4 and day.tickets_active == 1  # T-4
    hour = 3600
    assert day.first_response.count == 3  # T-1 1 h, T-2 30 min, T-3 5 h
    assert day.first_response.median == timedelta(seconds=hour)
    assert day.first_response.p90 == timedelta(seconds=hour + 0.8 * (5 * hour - hour))
    assert day.resolution.count == 3  # T-1 2 h, T-2 4 h, T-3 6 h
    assert day.resolution.median == timedelta(hours=4)
    assert day.resolution.p90 == timedelta(seconds=4 * hour + 0.8 * 2 * hour)


def test_sla_compliance(offered_article: str, database: Database) -> None:
    sla = report(database, WHOLE_DAY).sla

    assert (sla.first_response_met, sla.first_response_missed) == (2, 2)  # T-3, T-4 breached
    assert (sla.resolution_met, sla.resolution_missed) == (3, 0)  # T-4: not known yet
    assert sla.first_response_compliance == pytest.approx(0.5)
    assert sla.resolution_compliance == pytest.approx(1.0)
    assert sla.compliance == pytest.approx(5 / 7)


def test_csat(offered_article: str, database: Database) -> None:
    csat = report(database, WHOLE_DAY).csat

    assert csat.distribution == ((1, 0), (2, 1), (3, 1), (4, 0), (5, 1))
    assert csat.count == 3
    assert csat.average == pytest.approx(10 / 3)


def test_articles_worst_first(offered_article: str, database: Database) -> None:
    articles = report(database, ReportWindow(DAY, DAY + timedelta(days=1), "console")).articles

    rows = [(a.article_id, a.shown, a.solved, a.still_need_help, a.no_feedback) for a in articles]
    assert rows == [("vpn-cannot-connect", 3, 1, 1, 1), (offered_article, 1, 1, 0, 0)]


def test_agents_load_and_times(offered_article: str, database: Database) -> None:
    agents = report(database, WHOLE_DAY).agents

    assert [(a.agent, a.tickets, a.active, a.resolved) for a in agents] == [
        ("Alice", 2, 0, 2),
        ("Bob", 1, 0, 1),
    ]
    alice, bob = agents
    assert alice.first_response.median == timedelta(minutes=45)  # 1 h and 30 min
    assert alice.resolution.median == timedelta(hours=3)  # 2 h and 4 h
    assert bob.first_response.median == timedelta(hours=5)
    assert bob.resolution.median == timedelta(hours=6)


def test_days(offered_article: str, database: Database) -> None:
    days = report(database, ReportWindow(DAY - timedelta(days=1), DAY + timedelta(days=1))).days

    assert [(d.day.isoformat(), d.questions, d.solved, d.tickets) for d in days] == [
        ("2026-03-01", 0, 0, 0),
        ("2026-03-02", 7, 3, 4),
    ]


def test_a_window_counts_what_happened_from_its_start(
    offered_article: str, database: Database
) -> None:
    later = report(
        database, ReportWindow(DAY + timedelta(hours=9, minutes=15), DAY + timedelta(days=1))
    )

    assert (later.questions, later.solved, later.tickets_opened) == (5, 2, 3)  # not ann, ben, T-1


def test_a_platform_counts_only_its_own(offered_article: str, database: Database) -> None:
    discord = report(database, ReportWindow(DAY, DAY + timedelta(days=1), "discord"))
    console = report(database, ReportWindow(DAY, DAY + timedelta(days=1), "console"))

    assert (discord.questions, discord.solved, discord.tickets_opened) == (1, 1, 0)
    assert (console.questions, console.solved, console.tickets_opened) == (6, 2, 4)
    assert discord.csat.count == 0 and console.csat.count == 3
