"""Handling again the inbound messages that were stored but never handled.

A worker that dies mid-way leaves its message stored and unhandled; the scheduler's
sweep takes such messages up again, each as the event that carried it. One that fails
every time (a bug its text sets off, say) must not be tried forever: it would hold a
place in every batch and, with enough of them, starve newer messages. So each replay is
counted first, in its own transaction (a message that kills the worker counts too), and
after ``REPLAY_ATTEMPTS`` tries the replay gives up on it: the message is marked handled
(its row keeps the count, one more than ``REPLAY_ATTEMPTS``: that is how a given-up
message is told from an answered one), its writer is told it went unanswered, and the
give-up is logged as an error for the help desk to look into.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from bot.actions import Reply
from bot.arguments import split_args
from bot.delivery.outbox import Delivery, enqueue_all
from bot.events import CommandIssued, Event, MessageReceived
from bot.i18n.messages import pick_locale, say
from bot.records import UnhandledMessage
from bot.store.delivery import ReplayStore
from bot.store.unit_of_work import UnitOfWork

__all__ = ["REPLAY_AFTER", "REPLAY_ATTEMPTS", "REPLAY_BATCH", "replay_stale", "stored_event"]

log = logging.getLogger(__name__)

REPLAY_AFTER = timedelta(seconds=30)
"""Only messages older than this are replayed: younger ones may still be in flight."""
REPLAY_BATCH = 500
REPLAY_ATTEMPTS = 5
"""Replays of one message before giving up on it (one per sweep: minutes, not seconds,
so a database hiccup or a broken KB file fixed meanwhile does not cost a message)."""


def stored_event(message: UnhandledMessage) -> Event:
    """The event as first received (commands were stored as ``/name args``)."""
    if message.kind == "command":
        name, *args = split_args(message.text.removeprefix("/")) or ("help",)
        return CommandIssued(message.person, message.place, name, tuple(args), message.event_id)
    return MessageReceived(
        message.person, message.place, message.text, message.message_id, message.event_id
    )


def replay_stale(
    unit_of_work: UnitOfWork[ReplayStore],
    handle: Callable[[Event], list[Delivery]],
    now: datetime,
    *,
    older_than: timedelta = REPLAY_AFTER,
    default_locale: str = "en",
    batch: int = REPLAY_BATCH,
) -> list[Delivery]:
    """Hand each message stored before ``now - older_than`` and never handled to
    ``handle`` (oldest first, at most ``batch``), or give up on it after its last try."""
    with unit_of_work() as store:
        stale = store.unhandled_inbound(now - older_than, batch)
    deliveries: list[Delivery] = []
    for message in stale:
        with unit_of_work() as store:
            attempts = store.count_replay(message.platform, message.message_id)
            if attempts > REPLAY_ATTEMPTS:
                deliveries.extend(_give_up(store, message, now, default_locale))
                continue
        log.info(
            "replaying %s message %s left unhandled (try %d of %d)",
            message.platform,
            message.message_id,
            attempts,
            REPLAY_ATTEMPTS,
        )
        deliveries.extend(handle(stored_event(message)))
    return deliveries


def _give_up(
    store: ReplayStore, message: UnhandledMessage, now: datetime, default_locale: str
) -> Sequence[Delivery]:
    log.error(
        "giving up on %s message %s (event %s): handling it failed %d times; its writer "
        "is told it went unanswered",
        message.platform,
        message.message_id,
        message.event_id,
        REPLAY_ATTEMPTS,
    )
    store.mark_inbound_handled(message.platform, message.message_id, None, now)
    locale = pick_locale(message.person.locale, default_locale)
    return enqueue_all(store, [Reply(message.place, say("replay.gave_up", locale))], now)
