"""Sending one stored action to Discord: the ``send`` the outbox dispatcher calls.

Anything that fails raises, so the dispatcher keeps the action and tries again. Steps
that create things (a ticket's private thread, a card) check first whether an earlier
attempt already did, so a retry does not create them twice. Messages carry a nonce made
from the delivery's id with ``enforce_nonce``: Discord keeps one message per nonce and
channel for a few minutes, so a delivery sent again (its worker died after sending it but
before marking it sent, or Discord's answer was lost) is posted once.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import replace
from typing import Any, Final, assert_never

import discord

from adapters.discord_adapter import render
from adapters.discord_adapter.ids import PLATFORM, is_personal, place
from adapters.discord_adapter.pending import Pending
from adapters.discord_adapter.render import MessageSpec
from adapters.discord_adapter.views import NO_MENTIONS, build_view, forget
from adapters.engine_port import EnginePort
from bot.actions import (
    AnswerArticle,
    AskRating,
    ChangeKind,
    OfferArticles,
    PostDigest,
    PostTicketCard,
    Refuse,
    RelayToAgents,
    RelayToRequester,
    RemindAgents,
    Reply,
    TicketView,
    UpdateTicketCard,
    addressee,
)
from bot.delivery.outbox import Delivery, place_of
from bot.events import Person, Place
from bot.records import Card
from bot.settings import Settings

__all__ = ["Sender"]

log = logging.getLogger(__name__)

THREAD_ARCHIVED = 50083
WEEK_MINUTES: Final = 10080
PlaceNow = Callable[[str], Place | None]


class _Nonces:
    """The nonces of one delivery's messages, the same on every attempt: the delivery id
    and how many messages this delivery posted into that channel before (at most 25
    characters, as Discord wants: a 19-digit id leaves room for 99 per channel)."""

    def __init__(self, delivery_id: int) -> None:
        self._delivery_id = delivery_id
        self._posted: Counter[str] = Counter()

    def next(self, channel_id: str) -> str:
        self._posted[channel_id] += 1
        return f"t0:{self._delivery_id}:{self._posted[channel_id]}"


_SENDING: ContextVar[_Nonces | None] = ContextVar("tier0_discord_sending", default=None)


class Sender:
    def __init__(
        self,
        client: discord.Client,
        engine: EnginePort,
        settings: Settings,
        place_now: PlaceNow,
        pending: dict[Place, Pending],
        replied_to: dict[Place, int],
    ) -> None:
        self.client = client
        self.engine = engine
        self.settings = settings
        self._place_now = place_now
        self._pending = pending
        self._replied_to = replied_to

    async def send(self, delivery: Delivery) -> None:
        # Unstored deliveries (id 0: an internal error, said once) are never sent again.
        sending = _SENDING.set(_Nonces(delivery.id) if delivery.id else None)
        try:
            await self._send(delivery)
        finally:
            _SENDING.reset(sending)

    async def _send(self, delivery: Delivery) -> None:
        action = delivery.action
        match action:
            case PostTicketCard(ticket=ticket):
                await self._new_ticket(ticket)
            case UpdateTicketCard(ticket=ticket, change=change, kind=kind):
                await self._ticket_changed(ticket, change, kind)
            case RelayToAgents(ticket=ticket):
                await self._to_agents(ticket, render.render(action))
            case (
                Reply()
                | AnswerArticle()
                | OfferArticles()
                | RelayToRequester()
                | AskRating()
                | Refuse()
            ):
                await self.say(place_of(action), render.render(action), to=addressee(action))
            case RemindAgents(ticket=ticket, text=text):
                await self._to_agents(ticket, render.reminder(text))
            case PostDigest(tier_name=tier_name, text=text):
                await self._digest(tier_name, text)
            case _:
                assert_never(action)

    async def _digest(self, tier_name: str, text: str) -> None:
        """Into the tier's triage channel, if it has one on Discord."""
        channel_id = self.settings.discord.triage_channels.get(tier_name)
        if channel_id and text:
            await self.post(channel_id, render.digest(text))
        else:
            log.warning("discord: nowhere to send PostDigest")

    # -- conversations --------------------------------------------------------------------

    async def say(self, where: Place, spec: MessageSpec, *, to: Person | None = None) -> None:
        """Answer through the interaction being handled there, or post into the channel.

        What is meant for one person (``to``) goes only through their own interaction, and
        only where its answers are theirs alone; else (a public response, handled late
        after a database outage or a retry, the interaction dismissed or expired) to their
        DMs: never into the channel.
        """
        pending = self._pending.get(where)
        if to is None:
            if pending is not None:
                await self._answer(pending, spec)
                return
            reference = self._replied_to.get(where)
            await self.post(where.channel, render.addressed(spec, where), reply_to=reference)
            return
        if pending is not None and pending.can_whisper and pending.user_id == to.id:
            try:
                await self._answer(pending, spec, private=True)
                return
            except discord.NotFound:
                log.info("discord: an interaction is gone; its private answer goes by DM")
        await self._direct(to, spec)

    async def _direct(self, person: Person, spec: MessageSpec) -> None:
        """Into the person's DMs with the bot; dropped, with one log line, if Discord will
        not let the bot write to them (DMs closed, no longer a member)."""
        try:
            channel = await self.client.create_dm(discord.Object(int(person.id)))
            await self.post(str(channel.id), spec)
        except (discord.Forbidden, discord.NotFound) as error:
            log.warning(
                "discord: a message for user %s alone was dropped: no DM (%s)",
                person.id,
                error.code,
            )

    async def _answer(self, pending: Pending, spec: MessageSpec, *, private: bool = False) -> None:
        interaction = pending.interaction
        view = build_view(spec)
        content = spec.content or None
        embeds = list(spec.embeds)
        commanded = interaction.type is discord.InteractionType.application_command
        try:
            if commanded and not pending.answered:
                await interaction.edit_original_response(
                    content=content, embeds=embeds, view=view, allowed_mentions=NO_MENTIONS
                )
            else:
                await interaction.followup.send(
                    content=content or discord.utils.MISSING,
                    embeds=embeds,
                    view=view or discord.utils.MISSING,
                    ephemeral=pending.ephemeral or private,
                    allowed_mentions=NO_MENTIONS,
                    wait=True,
                )
        finally:
            forget(view)
        pending.answered = True

    async def post(
        self, channel_id: str, spec: MessageSpec, *, reply_to: int | None = None
    ) -> discord.Message:
        """A new message in a channel or thread, reopening an archived thread if needed."""
        cached = self.client.get_channel(int(channel_id))
        target = (
            cached
            if isinstance(cached, discord.abc.Messageable)
            else self.client.get_partial_messageable(int(channel_id))
        )
        options: dict[str, Any] = {"allowed_mentions": NO_MENTIONS, "embeds": list(spec.embeds)}
        nonces = _SENDING.get()
        if nonces is not None:
            options["nonce"] = nonces.next(channel_id)  # discord.py adds enforce_nonce
        if reply_to is not None:
            options["reference"] = discord.MessageReference(
                message_id=reply_to, channel_id=int(channel_id), fail_if_not_exists=False
            )
            options["mention_author"] = False
        view = build_view(spec)
        if view is not None:
            options["view"] = view
        try:
            return await target.send(spec.content or None, **options)
        except discord.HTTPException as error:
            if error.code != THREAD_ARCHIVED:
                raise
            await self.client.http.edit_channel(int(channel_id), archived=False)
            return await target.send(spec.content or None, **options)
        finally:
            forget(view)

    # -- tickets --------------------------------------------------------------------------

    async def _new_ticket(self, ticket: TicketView) -> None:
        if is_personal(ticket.place) and self._support_channel(ticket.place):
            ticket = await self._private_thread(ticket)
        await self._post_card(ticket)

    def _support_channel(self, where: Place) -> str | None:
        support = self.settings.discord.support_channels
        if where.channel in support:
            return where.channel
        return support[0] if support else None

    async def _private_thread(self, ticket: TicketView) -> TicketView:
        """Move the ticket out of the shared channel into a thread only it and staff see."""
        now = await asyncio.to_thread(self._place_now, ticket.key)
        if now is not None and now != ticket.place:
            thread = await self._thread(int(now.channel))  # an earlier attempt made it
        else:
            parent = await self._channel(int(self._support_channel(ticket.place) or 0))
            if not isinstance(parent, discord.TextChannel):
                raise RuntimeError(f"support channel {parent.id} is not a text channel")
            thread = await parent.create_thread(
                name=render.thread_name(ticket),
                type=discord.ChannelType.private_thread,
                invitable=False,
                auto_archive_duration=WEEK_MINUTES,
            )
            await asyncio.to_thread(self.engine.move_ticket, ticket.key, place(thread.id))
        await thread.add_user(discord.Object(int(ticket.requester.id)))
        await self.post(str(thread.id), render.ticket_intro(ticket))
        await self.say(ticket.place, render.thread_pointer(ticket, str(thread.id)))
        return _moved(ticket, place(thread.id))

    async def _post_card(self, ticket: TicketView) -> None:
        channel_id = self.settings.discord.triage_channels.get(ticket.tier_name)
        if not channel_id:
            log.warning(
                "discord: no triage channel for tier %r; %s has no card",
                ticket.tier_name,
                ticket.key,
            )
            return
        cards = await asyncio.to_thread(self.engine.cards, ticket.key)
        if any(c.platform == PLATFORM and c.tier == ticket.tier for c in cards):
            return
        message = await self.post(channel_id, self._card(ticket, "new ticket", ticket.tier))
        thread = await message.create_thread(
            name=render.thread_name(ticket), auto_archive_duration=WEEK_MINUTES
        )
        card = Card(PLATFORM, ticket.tier, channel_id, str(message.id), str(thread.id))
        await asyncio.to_thread(self.engine.attach_card, ticket.key, card, place(thread.id))

    async def _ticket_changed(self, ticket: TicketView, change: str, kind: ChangeKind) -> None:
        cards = await asyncio.to_thread(self.engine.cards, ticket.key)
        for card in cards:
            if card.platform != PLATFORM:
                continue
            spec = self._card(ticket, change, card.tier)
            view = build_view(spec)
            message = self.client.get_partial_messageable(int(card.channel)).get_partial_message(
                int(card.message_id)
            )
            try:
                await message.edit(
                    embeds=list(spec.embeds), view=view, allowed_mentions=NO_MENTIONS
                )
            finally:
                forget(view)
        thread = await self._ticket_thread(ticket)
        if thread is None:
            return
        if ticket.status == "closed":
            await thread.edit(archived=True, locked=True)
        elif kind is ChangeKind.REOPENED:
            await thread.edit(archived=False, locked=False)
        elif (
            ticket.assignee is not None
            and ticket.assignee.platform == PLATFORM
            and kind in (ChangeKind.CLAIMED, ChangeKind.ASSIGNED)
        ):
            await thread.add_user(discord.Object(int(ticket.assignee.id)))

    def _card(self, ticket: TicketView, change: str, card_tier: int) -> MessageSpec:
        return render.card(
            ticket,
            change,
            card_tier=card_tier,
            top_tier=len(self.settings.tickets.tiers),
            priorities=self.settings.tickets.priorities,
            locale=self.settings.default_locale,
        )

    async def _to_agents(self, ticket: TicketView, spec: MessageSpec) -> None:
        cards = [c for c in await asyncio.to_thread(self.engine.cards, ticket.key)]
        mine = [c for c in cards if c.platform == PLATFORM]
        current = [c for c in mine if c.tier == ticket.tier] or mine
        if not current:
            if self.settings.discord.triage_channels.get(ticket.tier_name):
                raise RuntimeError(f"{ticket.key}: its card is not posted yet")
            log.warning("discord: %s has no card; a message for its agents is dropped", ticket.key)
            return
        card = current[-1]
        await self.post(card.thread or card.channel, spec)

    async def _ticket_thread(self, ticket: TicketView) -> discord.Thread | None:
        """The ticket's private thread, when its conversation is one."""
        if is_personal(ticket.place):
            return None
        found = await self._channel(int(ticket.place.channel))
        return found if isinstance(found, discord.Thread) else None

    async def close_thread(self, where: Place) -> None:
        thread = await self._channel(int(where.channel))
        if isinstance(thread, discord.Thread):
            await thread.edit(archived=True, locked=True)

    async def _channel(self, channel_id: int) -> Any:
        """A channel from the cache, or fetched (archived threads drop out of the cache)."""
        return self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)

    async def _thread(self, channel_id: int) -> discord.Thread:
        found = await self._channel(channel_id)
        if not isinstance(found, discord.Thread):
            raise RuntimeError(f"channel {channel_id} is not a thread")
        return found


def _moved(ticket: TicketView, where: Place) -> TicketView:
    return replace(ticket, place=where)
