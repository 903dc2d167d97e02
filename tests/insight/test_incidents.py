"""Possible incidents, in simulated time: three similar tickets within 30 minutes alert the
triage channel once; everyone reporting it from then on hears that it is known."""

from __future__ import annotations

import pytest

from bot.actions import RemindAgents
from bot.conversation.engine import Engine
from bot.events import CommandIssued, Person, Place
from bot.settings import Settings, TicketSettings
from kb import KnowledgeBase
from storage.db import Database
from tests.support.chat import BotTurn, Chat, FakeClock

KNOWN = "This looks like a problem others are reporting right now"


@pytest.fixture
def settings() -> Settings:
    return Settings(tickets=TicketSettings(incident_tickets=3, incident_minutes=30))


def alerts(turn: BotTurn) -> list[RemindAgents]:
    """Incident alerts (not the hints about a likely duplicate, also sent to agents)."""
    return [a for a in turn.of(RemindAgents) if a.text.startswith("Possible incident")]


def report(chat: Chat, clock: FakeClock, minutes: float, who: str, text: str) -> BotTurn:
    clock.advance(minutes=minutes)
    return chat.command(f"new {text}", who)


def test_the_third_similar_report_alerts_the_triage_channel_once(
    chat: Chat, clock: FakeClock
) -> None:
    first = report(chat, clock, 0, "ann", "VPN is down for me")
    second = report(chat, clock, 5, "ben", "vpn down?")
    assert not alerts(first) and not alerts(second)
    assert KNOWN not in first.text() + second.text()

    third = report(chat, clock, 5, "cat", "is the vpn down for everyone")

    (alert,) = alerts(third)
    assert alert.kind == "breach" and alert.ticket.key == "T-3"
    assert alert.text == (
        "Possible incident: 3 similar tickets in the last 30 minutes (T-1, T-2, T-3), "
        "like “is the vpn down for everyone”. People who report it from now on are told "
        "it is known."
    )
    assert f"{KNOWN} (3 reports so far)" in third.text()

    unrelated = report(chat, clock, 1, "dan", "the printer on floor 2 jammed")
    fourth = report(chat, clock, 1, "eve", "vpn is down")

    assert not alerts(unrelated) and KNOWN not in unrelated.text()
    assert not alerts(fourth)  # alerted once
    assert f"{KNOWN} (4 reports so far)" in fourth.text()


def test_reports_further_apart_than_the_window_are_no_incident(
    chat: Chat, clock: FakeClock
) -> None:
    turns = [report(chat, clock, 20, who, "vpn is down") for who in ("ann", "ben", "cat")]

    assert not any(alerts(turn) for turn in turns)  # 40 minutes from first to last


def test_other_platforms_count_separately(
    chat: Chat, clock: FakeClock, database: Database, sample_kb: KnowledgeBase, settings: Settings
) -> None:
    report(chat, clock, 0, "ann", "vpn is down")
    report(chat, clock, 1, "ben", "vpn is down")
    clock.advance(minutes=1)
    engine = Engine(settings, sample_kb, database.unit_of_work, clock)
    customer = Person("discord", "42", "zed")
    deliveries = engine.handle(
        CommandIssued(customer, Place("discord", "support"), "new", ("vpn", "is", "down"), "d1")
    )

    assert not alerts(BotTurn([d.action for d in deliveries]))


def test_off_unless_configured(
    database: Database, sample_kb: KnowledgeBase, clock: FakeClock
) -> None:
    chat = Chat(Engine(Settings(), sample_kb, database.unit_of_work, clock), clock)
    turns = [report(chat, clock, 1, who, "vpn is down") for who in ("a", "b", "c", "d", "e")]

    assert not any(alerts(turn) or KNOWN in turn.text() for turn in turns)
