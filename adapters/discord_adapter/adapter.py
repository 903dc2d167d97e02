"""The Discord adapter as ``tier0 run`` drives it: connect, take events, send the outbox.

Events are translated (:mod:`translate`), handled by the synchronous engine on a worker
thread, and what the engine decided is sent by the outbox dispatcher (:mod:`sender`). An
interaction is acknowledged at once (Discord allows three seconds) and its answers go
back through it, privately where the channel is shared. Messages of one conversation
take turns, in arrival order; after a new gateway session, what was written while no
session was connected is read back first (:mod:`catch_up`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Mapping
from functools import partial
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.delivery import Dispatcher
from adapters.discord_adapter import render, translate, wire
from adapters.discord_adapter.article_form import article_modal
from adapters.discord_adapter.catch_up import CatchUp, CatchUpStorage
from adapters.discord_adapter.client import Tier0Client
from adapters.discord_adapter.ids import PLATFORM, is_personal
from adapters.discord_adapter.payloads import InteractionPayload
from adapters.discord_adapter.pending import Pending
from adapters.discord_adapter.sender import Sender
from adapters.discord_adapter.shards import IdentifyGate
from adapters.discord_adapter.translate import ArticleReview, ChannelKind, Layout, ModalRequest
from adapters.discord_adapter.views import modal_form
from adapters.engine_port import EnginePort
from adapters.fairness import FairShare
from adapters.ordering import TurnTaking
from adapters.runtime import require_secret
from bot.actions import Refuse
from bot.delivery.outbox import Delivery
from bot.events import ButtonPressed, Event, MessageReceived, Person, Place
from bot.i18n.messages import pick_locale, say
from bot.settings import Settings

__all__ = ["DiscordAdapter", "discord_secrets"]

log = logging.getLogger(__name__)

REMEMBERED_REPLIES = 10_000
READY_TIMEOUT = 60.0
CATCH_UP_PATIENCE = 30.0
"""How long a live message waits for its shard's catch-up to queue older ones first."""


def discord_secrets(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The bot token; a clear error if it is missing."""
    return {
        "token": require_secret(
            env, "DISCORD_TOKEN", "to connect the Discord bot ([discord] enabled)"
        )
    }


class DiscordAdapter:
    platform = PLATFORM

    def __init__(
        self,
        engine: EnginePort,
        settings: Settings,
        token: str,
        *,
        outage: Callable[[BaseException], bool],
        identify_gate: IdentifyGate | None = None,
        catch_up_storage: CatchUpStorage | None = None,
        **client_options: Any,
    ) -> None:
        """``catch_up_storage`` tells which channels to read back after a new session and
        which messages are stored already (none: no catch-up); ``outage``, whether an error
        means the database is unreachable (the dispatcher logs those sparingly)."""
        self.settings = settings
        self.engine = engine
        self._token = token
        # tier0 never joins voice channels; without this discord.py warns on every start
        # that the voice libraries (PyNaCl, davey) are not installed.
        discord.VoiceClient.warn_nacl = discord.VoiceClient.warn_dave = False
        self.client = Tier0Client(
            settings,
            self._on_message,
            self._on_interaction,
            identify_gate,
            on_new_session=self._new_session,
            on_shard_ready=self._shard_ready,
            **client_options,
        )
        self._catch_up = CatchUp(self.client, settings.discord, catch_up_storage)
        self._catching_up: dict[int, asyncio.Event] = {}
        """Shards whose catch-up is reading back: their live messages wait (unset)."""
        self._pending: dict[Place, Pending] = {}
        self._replied_to: OrderedDict[Place, int] = OrderedDict()
        self._turns = TurnTaking()  # one event at a time per conversation, in order
        self._fair = FairShare()  # and one per person at the engine, so floods queue apart
        self.sender = Sender(
            self.client,
            self.engine,
            self.settings,
            self._place_now,
            self._pending,
            self._replied_to,
        )
        self.dispatcher = Dispatcher(engine.outbox, PLATFORM, self.sender.send, outage=outage)
        self._layout: Layout | None = None
        self._connection: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._stopping = False
        self._saved: tuple[str, yarl.URL] | None = None

    # -- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        self._point_discord_py()
        try:
            await self.client.login(self._token)  # also syncs the slash commands
            self._layout = self._layout_of(self.client.user)  # before any event arrives
            self._connection = asyncio.create_task(self.client.connect(reconnect=True))
            ready = asyncio.ensure_future(self.client.wait_until_ready())
            done, _ = await asyncio.wait(
                [ready, self._connection],
                timeout=READY_TIMEOUT,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if ready not in done:
                ready.cancel()
                if self._connection in done:
                    self._connection.result()
                raise TimeoutError(f"not ready after {READY_TIMEOUT:.0f} s")
        except BaseException:
            await self._close()
            raise
        client = self.client
        log.info(
            "discord: ready as %s in %d guild(s), shard(s) %s of %s",
            client.user,
            len(client.guilds),
            sorted(client.shards),
            client.shard_count,
        )

    def _layout_of(self, user: discord.ClientUser | None) -> Layout:
        assert user is not None, "discord.py knows the bot's user once logged in"
        discord_settings = self.settings.discord
        return Layout(
            bot_id=str(user.id),
            support_channels=frozenset(discord_settings.support_channels),
            triage_channels=frozenset(discord_settings.triage_channels.values()),
            support_command=discord_settings.slash_command,
        )

    async def stop(self) -> None:
        """Stop taking events, finish those in flight, send what they decided, disconnect."""
        self._stopping = True
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=10)
        try:
            await self.dispatcher.flush()
        finally:
            await self._close()

    async def _close(self) -> None:
        await self.client.close()
        if self._connection is not None:
            self._connection.cancel()
            await asyncio.gather(self._connection, return_exceptions=True)
        self._restore_discord_py()

    def _point_discord_py(self) -> None:
        """discord.py reads its endpoints from two class attributes, for the whole process."""
        self._saved = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
        Route.BASE = self.settings.discord.api_base.rstrip("/")
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.discord.gateway_url)

    def _restore_discord_py(self) -> None:
        if self._saved is not None:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = self._saved
            self._saved = None

    # -- events in ------------------------------------------------------------------------

    async def _on_message(self, message: discord.Message) -> None:
        if self._stopping or self._layout is None:
            return
        if message.author.bot:
            return
        await self._after_catch_up(message.guild.shard_id if message.guild else 0)
        if self._stopping:
            return  # not stored: the next session's catch-up reads it back
        kind = await self._kind(message.channel.id, message.channel)
        event = translate.message_event(wire.message(message), kind, self._layout)
        if event is None:
            return
        await self._tracked(self._in_turn(event, message.id))

    async def _in_turn(self, event: MessageReceived, message_id: int) -> None:
        """Handle a message after the earlier ones of its conversation."""
        async with self._turns.turn(event.place):
            if is_personal(event.place):
                self._remember_reply(event.place, message_id)
            await self._handle(event)

    # -- catch-up after a new session -----------------------------------------------------

    def _new_session(self, shard_id: int) -> None:
        """Hold the shard's live messages until its catch-up has queued the older ones."""
        if self._catch_up.enabled:
            self._catching_up.setdefault(shard_id, asyncio.Event()).clear()

    async def _after_catch_up(self, shard_id: int) -> None:
        held = self._catching_up.get(shard_id)
        if held is not None and not held.is_set():
            try:
                await asyncio.wait_for(held.wait(), CATCH_UP_PATIENCE)
            except TimeoutError:
                log.warning("discord: shard %d's catch-up is slow; live messages go on", shard_id)

    async def _shard_ready(self, shard_id: int) -> None:
        held = self._catching_up.get(shard_id)
        if held is None:
            return
        try:
            await self._tracked(self._read_back(shard_id))
        except Exception:
            log.exception("discord: shard %d could not catch up", shard_id)
        finally:
            held.set()

    async def _read_back(self, shard_id: int) -> None:
        """Queue the shard's missed messages, oldest first per channel, in their
        conversations' turns; handling goes on after this returns."""
        if self._stopping or self._layout is None:
            return
        queued = channels = 0
        async for backlog in self._catch_up.backlogs(shard_id, self._kind):
            channels += 1
            for message, author in backlog.messages:
                payload = wire.message(message, author)
                event = translate.message_event(payload, backlog.kind, self._layout)
                if event is not None and not self._stopping:
                    self._spawn(self._in_turn(event, message.id))
                    queued += 1
        log.info(
            "discord: shard %d caught up %d message(s) in %d channel(s)", shard_id, queued, channels
        )

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Start ``work`` without waiting for it; ``stop`` does. A task runs its first step
        (here: joining its conversation's turns) in the order tasks were created."""
        task = asyncio.ensure_future(work)
        self._in_flight.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("discord: a caught-up message failed", exc_info=task.exception())

    async def _on_interaction(self, interaction: discord.Interaction) -> None:
        if self._stopping or self._layout is None:
            return
        await self._tracked(self._interaction(interaction, self._layout))

    async def _interaction(self, interaction: discord.Interaction, layout: Layout) -> None:
        channel_id = interaction.channel_id or 0
        kind = await self._kind(channel_id, interaction.channel)
        payload = wire.interaction(interaction)
        result = translate.interaction_event(payload, kind, layout)
        if isinstance(result, ModalRequest):
            form = modal_form(render.modal(result, self.settings.default_locale))
            await interaction.response.send_modal(form)
            form.stop()  # the submission is handled from its custom id, like buttons
            return
        if isinstance(result, ArticleReview):
            await self._review_article(interaction, result)
            return
        if result is None:
            await self._not_an_event(interaction, payload)
            return
        event = result
        where = event.place
        shared = is_personal(where) or kind == "triage"
        command = interaction.type is discord.InteractionType.application_command
        # Acknowledged before waiting for this place's turn: Discord forgets an interaction
        # left unanswered for three seconds, and the event with it.
        if command:
            await interaction.response.defer(ephemeral=shared, thinking=True)
        else:
            await interaction.response.defer()
        async with self._turns.turn(where):
            pending = self._pending[where] = Pending(interaction, shared, alone=kind == "dm")
            try:
                deliveries = await self._handle(event)
                if any(d.id for d in deliveries):  # stored: send them now, through it
                    await self.dispatcher.flush()  # (an outage's notice is stored nowhere)
                if command and not pending.answered and deliveries:  # answered elsewhere
                    done = say("discord.done", self._locale(event.person))
                    await interaction.edit_original_response(content=done)
                elif command and not pending.answered:
                    # Ignored (over the rate; its sender was told once already): nothing was
                    # done, so the "thinking" goes and nothing is said, as for a message.
                    await interaction.delete_original_response()
            finally:
                del self._pending[where]
        if kind == "ticket_thread" and _ends_rating(event, payload, deliveries):
            await self.sender.close_thread(where)

    async def _review_article(self, interaction: discord.Interaction, press: ArticleReview) -> None:
        """Answer the press with the review form, or tell the presser alone why not."""
        draft = await asyncio.to_thread(self.engine.draft_article, press.person, press.key)
        if isinstance(draft, str):
            await interaction.response.send_message(draft, ephemeral=True)
            return
        form = article_modal(draft, self.settings.default_locale)
        await interaction.response.send_modal(form)
        form.stop()  # the submission is handled from its custom id, like buttons

    async def _not_an_event(
        self, interaction: discord.Interaction, payload: InteractionPayload
    ) -> None:
        name = str(translate.data_of(payload).get("name", ""))
        if interaction.type is discord.InteractionType.application_command and (
            name == translate.PANEL_COMMAND
        ):
            panel = render.panel(pick_locale(None, self.settings.default_locale))
            await self.sender.post(str(interaction.channel_id), panel)
            await interaction.response.send_message("Panel posted.", ephemeral=True)
        elif interaction.type is discord.InteractionType.component:
            gone = say("discord.button_gone", self._locale(translate.person_of(payload)))
            await interaction.response.send_message(gone, ephemeral=True)

    def _locale(self, person: Person) -> str:
        """The language of a person's Discord client, or the desk's: for the adapter's own
        short answers to an interaction."""
        return pick_locale(person.locale, self.settings.default_locale)

    async def _handle(self, event: Event) -> list[Delivery]:
        deliveries = await self._fair.run(event.person, partial(self.engine.handle, event))
        for unstored in (d for d in deliveries if d.id == 0):  # an internal error, said once
            try:
                await self.sender.send(unstored)
            except Exception:
                log.exception("discord: could not report an internal error")
        self.dispatcher.wake()
        return deliveries

    async def _tracked(self, work: Any) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._in_flight.add(task)
        try:
            await task
        finally:
            self._in_flight.discard(task)

    async def _kind(self, channel_id: int, channel: object) -> ChannelKind:
        assert self._layout is not None
        known = wire.channel(channel) or wire.channel(self.client.get_channel(channel_id))
        if known is None:
            try:
                known = wire.channel(await self.client.fetch_channel(channel_id))
            except discord.HTTPException:
                return "other"
        return self._layout.classify(known) if known else "other"

    def _remember_reply(self, where: Place, message_id: int) -> None:
        """Answers in a support channel reply to the question (memory only, bounded)."""
        self._replied_to[where] = message_id
        self._replied_to.move_to_end(where)
        while len(self._replied_to) > REMEMBERED_REPLIES:
            self._replied_to.popitem(last=False)

    def _place_now(self, key: str) -> Place | None:
        """Where a ticket's conversation is now (it may have moved to a private thread)."""
        ticket = self.engine.ticket(key)
        return ticket.place if ticket else None


def _ends_rating(event: Event, payload: InteractionPayload, deliveries: list[Delivery]) -> bool:
    """Skip pressed or the comment form sent: the requester is done with the ticket."""
    if any(isinstance(d.action, Refuse) for d in deliveries):
        return False
    if isinstance(event, ButtonPressed):
        return event.action == "skip_comment"
    custom = str(translate.data_of(payload).get("custom_id", ""))
    return isinstance(event, MessageReceived) and custom.startswith("tier0:comment:")
