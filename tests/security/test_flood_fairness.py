"""One person's flood does not make everyone else wait behind it (issue 17, item 9).

Through the real adapters: the flood is queued in full before someone else writes, and
the engine is held back while it is (as a slow database would), so what is checked is the
order events reach the engine in, never how long anything took.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import select

from bot.delivery.outbox import Delivery
from bot.events import Event
from bot.i18n.messages import say
from bot.settings import Settings
from storage.db import Database
from storage.models import MessageRow
from tests.adapters.discord_adapter.conftest import RunningAdapter, text_of
from tests.adapters.slack.harness import CAROL, DAN, SlackBot
from tests.fakes.discord_server import FakeDiscord

FLOOD = 200
ANSWER = r"/webhooks/\d+/[^/]+/messages/@original"  # a command's deferred answer
PATIENCE = 10.0


class HeldBack:
    """An engine observer: holds each of ``flooder``'s events in its engine thread until
    someone else's event was handled (or, once, ``PATIENCE`` ran out), and notes whose events
    were handled, in order."""

    def __init__(self, flooder: str) -> None:
        self.flooder = flooder
        self.order: list[str] = []
        self._changed = threading.Condition()
        self._someone_else = threading.Event()

    def __call__(self, event: Event, seconds: float, deliveries: list[Delivery]) -> None:
        with self._changed:
            self.order.append(event.person.id)
            self._changed.notify_all()
        if event.person.id != self.flooder or not self._someone_else.wait(PATIENCE):
            self._someone_else.set()  # patience ran out: the flood goes on, unheld

    def wait_for(self, person: str, count: int) -> None:
        with self._changed:
            done = self._changed.wait_for(lambda: self.order.count(person) >= count, 60)
        assert done, f"{self.order.count(person)} of {person}'s {count} events handled"


def test_on_slack_someone_else_is_answered_before_a_flooders_backlog(
    socket_bot: SlackBot, database: Database
) -> None:
    """Dan sends 200 ``/tier0 status`` while the engine is slow; Carol's ``/tier0 help``,
    sent after all of them, is handled next, not after Dan's backlog; and every one of
    Dan's commands is still stored and handled."""
    carol, dan = socket_bot.dm(CAROL), socket_bot.dm(DAN)
    held = HeldBack(DAN)
    socket_bot.engine.observers.append(held)

    for _ in range(FLOOD):
        socket_bot.command(DAN, "status T-1", dan)
    socket_bot.command(CAROL, "help", carol)

    held.wait_for(DAN, FLOOD)
    assert held.order.index(CAROL) <= 1, f"Carol came after {held.order.index(CAROL)} of Dan's"
    help_in_her_language = say("help.requester", "pt-BR", cmd="/tier0 ")
    socket_bot.posted(carol, help_in_her_language[:40])
    with database.session() as session:
        stored = session.scalars(select(MessageRow.id).where(MessageRow.text == "/status T-1"))
        assert len(list(stored)) == FLOOD


def test_on_discord_a_command_ignored_over_the_rate_is_not_answered_done(
    fake: FakeDiscord, start_bot: Callable[..., RunningAdapter]
) -> None:
    """Past the rate a command is told once, then ignored: its deferred "thinking" answer is
    taken away, not edited to say "Done." (nothing was done)."""
    start_bot()
    limit = Settings().limits.messages_per_minute
    for _ in range(limit + 2):  # the last two are over the rate: one told, one ignored
        fake.send_command("status", user="alice", channel="support")

    fake.wait_for_request("PATCH", ANSWER, lambda r: "did not act on that" in text_of(r.json))
    fake.wait_for_request("DELETE", ANSWER)

    assert [r for r in fake.requests if "Done." in text_of(r.json)] == []
