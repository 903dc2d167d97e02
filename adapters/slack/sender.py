"""Sending one stored action to Slack: the ``send`` the outbox dispatcher calls.

A post carries a tag made from its delivery's id, so a delivery that may have been posted
before (its worker died, Slack's answer was lost) is looked for and not posted twice
(:mod:`adapters.slack.once`). Errors that a retry can never fix are logged and the delivery
given up; any other makes it fail and be tried again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Final

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.engine_port import EnginePort
from adapters.slack.blocks import ApiCall, Context
from adapters.slack.directory import Directory
from adapters.slack.once import posted_before, tag_of, tagged
from adapters.slack.render import render
from adapters.slack.translate import PLATFORM
from bot.actions import RelayToAgents, RemindAgents, UpdateTicketCard
from bot.delivery.outbox import Delivery
from bot.events import Place
from bot.records import Card

__all__ = ["SKIPPABLE_ERRORS", "SlackSender", "api_error_code"]

log = logging.getLogger("adapters.slack")

SKIPPABLE_ERRORS: Final[Mapping[str, frozenset[str]]] = {
    # A card that was deleted cannot be edited; a refusal to someone who left is moot.
    "chat.update": frozenset({"message_not_found", "cant_update_message", "channel_not_found"}),
    "chat.postEphemeral": frozenset({"user_not_in_channel", "channel_not_found", "user_not_found"}),
    # Retrying these can never succeed; the error is logged with the action instead.
    "chat.postMessage": frozenset({"is_archived", "invalid_blocks", "msg_too_long", "no_text"}),
}
"""Web API errors after which a delivery is given up (logged) instead of retried for ever;
anything else (not_in_channel, rate limits, outages) makes it fail and be tried again."""


class SlackSender:
    """Renders actions and makes the Web API calls, remembering where cards and threads are."""

    def __init__(
        self, client: AsyncWebClient, engine: EnginePort, directory: Directory, context: Context
    ) -> None:
        self.client = client
        self._engine = engine
        self._directory = directory
        self.context = context

    async def send(self, delivery: Delivery) -> None:
        """Show one stored action on Slack; raises if Slack did not take it (it is retried)."""
        action = delivery.action
        context = self.context
        if isinstance(action, UpdateTicketCard | RelayToAgents | RemindAgents):
            cards = await asyncio.to_thread(self._engine.cards, action.ticket.key)
            context = replace(context, cards=tuple(c for c in cards if c.platform == PLATFORM))
        calls = render(action, context)
        if not calls:
            log.warning(
                "slack: nowhere to show %s (no triage channel or card for its tier?)",
                type(action).__name__,
            )
        posts = 0
        for call in calls:
            if call.method == "chat.postMessage":
                call = tagged(call, tag_of(delivery.id, posts))
                posts += 1
                if delivery.maybe_sent and (earlier := await posted_before(self.client, call)):
                    log.info("slack: delivery %d was posted before; not again", delivery.id)
                    await self._posted(call, *earlier)
                    continue
            await self.call(call, f"{type(action).__name__} of delivery {delivery.id}")

    async def call(self, call: ApiCall, what: str) -> None:
        """``what`` names the action in a log line; never its text, which may be private."""
        try:
            response = await self.client.api_call(call.method, json=call.args)
        except SlackApiError as error:
            code = api_error_code(error)
            if code in SKIPPABLE_ERRORS.get(call.method, frozenset()):
                log.error("slack: %s failed with %s; not retrying %s", call.method, code, what)
                return
            raise
        channel = str(response.get("channel") or call.args.get("channel", ""))
        await self._posted(call, channel, str(response.get("ts", "")))

    async def _posted(self, call: ApiCall, channel: str, ts: str) -> None:
        """Remember the thread Slack put the message in, where a ticket's card is, and the
        thread a ticket continues in."""
        if call.method == "chat.postMessage" and call.args.get("thread_ts"):
            self._directory.remember_thread(channel, str(call.args["thread_ts"]))
        if call.thread_for is not None and ts:
            self._directory.remember_thread(channel, ts)
            await asyncio.to_thread(
                self._engine.move_ticket, call.thread_for, Place(PLATFORM, channel, ts)
            )
        if call.card is not None:
            self._directory.remember_thread(channel, ts)
            card = Card(PLATFORM, call.card.tier, channel, ts, ts)
            await asyncio.to_thread(
                self._engine.attach_card, call.card.key, card, Place(PLATFORM, channel, ts)
            )


def api_error_code(error: SlackApiError) -> str:
    """Slack's error code (``not_in_channel``...), for log lines and decisions."""
    response = error.response
    return str(response.get("error", "") if response is not None else error)
