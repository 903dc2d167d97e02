"""The running Slack adapter: Bolt (Socket Mode or HTTP) in, the engine, Web API calls out.

Every listener acknowledges first and works after: Bolt answers Slack as soon as ``ack()``
is called (``process_before_response=False``), then the look-ups and the engine (synchronous,
database-bound, so on a worker thread) run. Slack's 3-second limit is therefore met however
slow the database or the Web API is, and a redelivered event is dropped by the engine's
stored de-duplication, not by memory, so it holds across restarts and workers. Before the
acknowledgement each payload is written to the local inbox (``adapters.slack.received``),
so a process killed between acknowledging and storing an event loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from functools import partial
from itertools import chain
from typing import Any, Final, Literal

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.delivery import Dispatcher
from adapters.engine_port import EnginePort
from adapters.fairness import FairShare
from adapters.ordering import TurnTaking
from adapters.slack.article_form import (
    ARTICLE_FORM_CALLBACK,
    SAVE_ARTICLE_ACTION,
    article_form,
    article_submission,
)
from adapters.slack.bolt_log import BOLT_LOG
from adapters.slack.configuration import rendering_context
from adapters.slack.directory import Directory
from adapters.slack.http_guard import MAX_BODY_BYTES, SlackRequestGuard
from adapters.slack.once import retry_handlers
from adapters.slack.received import RETRY_DELAYS, PayloadInbox, ReceivedPayloads, redeliverable
from adapters.slack.render import (
    SHOW_ANSWER_ACTION,
    answer_view,
    parse_show_answer_value,
    render,
)
from adapters.slack.sender import SlackSender, api_error_code
from adapters.slack.socket_guard import GuardedSocketModeHandler
from adapters.slack.translate import (
    ACTION_PREFIX,
    CREATE_TICKET_CALLBACK,
    PLATFORM,
    Rules,
    block_action,
    message_event,
    message_route,
    message_shortcut,
    place_of_action,
    place_of_message,
    slash_command,
)
from bot.actions import Refuse
from bot.events import Event
from bot.i18n.messages import pick_locale, say
from bot.settings import Settings
from kb.search import KnowledgeBase

__all__ = ["SlackAdapter"]

log = logging.getLogger("adapters.slack")

JSON = dict[str, Any]
Mode = Literal["socket", "http"]
CONNECT_TIMEOUT: Final = 30.0
_ENGINE_ACTION: Final = re.compile(rf"^{ACTION_PREFIX}:(button|command):")


class SlackAdapter:
    """tier0 on one Slack workspace. ``start``/``stop`` are driven by ``tier0 run``."""

    platform = PLATFORM

    def __init__(
        self,
        engine: EnginePort,
        settings: Settings,
        kb: KnowledgeBase,
        *,
        inbox: PayloadInbox,
        bot_token: str,
        outage: Callable[[BaseException], bool],
        app_token: str | None = None,
        signing_secret: str | None = None,
        ping_interval: float = 5.0,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        """``outage``: whether an error means the database is unreachable (the dispatcher
        logs those sparingly)."""
        self._engine = engine
        self.settings = settings.slack
        self.mode: Mode = self.settings.mode
        self._app_token = app_token
        self._ping_interval = ping_interval
        self._signing_secret = signing_secret or ""
        self.client = AsyncWebClient(
            token=bot_token, base_url=self.settings.api_url, retry_handlers=retry_handlers()
        )
        self.bolt = AsyncApp(
            client=self.client,
            signing_secret=signing_secret or "",
            request_verification_enabled=self.mode == "http",
            process_before_response=False,
            logger=BOLT_LOG,
        )
        self._context = rendering_context(settings, kb)
        self.directory = Directory(self.client, list(chain(*self._context.tier_groups.values())))
        self.rules = Rules(bot_user_id="", help_channels=frozenset(self.settings.help_channels))
        self.sender = SlackSender(self.client, engine, self.directory, self._context)
        self.dispatcher = Dispatcher(engine.outbox, PLATFORM, self.sender.send, outage=outage)
        self.workspace = ""
        self.http_address: tuple[str, int] | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._turns = TurnTaking()  # one event at a time per conversation, in order
        self._fair = FairShare()  # and one per person at the engine, so floods queue apart
        self.received = ReceivedPayloads(inbox, retry_delays)
        self._adopting: asyncio.Task[None] | None = None
        self._register()

    # -- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the bot token, then connect (Socket Mode) or listen (HTTP mode).

        A failure leaves nothing running and says which secret or setting to look at.
        """
        # One session, so Web API calls reuse connections: a session (and a TLS handshake)
        # per call was the event loop's largest cost under load.
        self.client.session = aiohttp.ClientSession()
        try:
            identity = await self.client.auth_test()
        except SlackApiError as error:
            await self._close_session()
            code, url = api_error_code(error), self.settings.api_url
            raise ConnectionError(f"Slack refused SLACK_BOT_TOKEN ({code}) at {url}") from error
        self.directory.bot_user_id = str(identity["user_id"])
        self.directory.bot_id = str(identity.get("bot_id") or "")
        self.rules = replace(self.rules, bot_user_id=self.directory.bot_user_id)
        self.workspace = str(identity.get("team") or identity.get("team_id") or "?")
        try:
            if self.mode == "socket":
                await self._connect_socket()
            else:
                await self._serve_http()
        except BaseException:
            await self.stop()
            raise
        adopted = await self.received.adopt_orphans(self.bolt)
        self._adopting = asyncio.create_task(self.received.keep_up(self.bolt))
        if adopted:
            log.info("slack: handling %d event(s) a stopped process had received", adopted)
        if self.mode == "socket":
            log.info("slack: ready (socket mode, workspace %s)", self.workspace)
        else:
            host, port = self.http_address or ("?", 0)
            where = f"{host}:{port}{self.settings.http_path}"
            log.info("slack: ready (http mode on %s, workspace %s)", where, self.workspace)

    async def _connect_socket(self) -> None:
        """Open the WebSocket with a URL asked for here, so a refused app token is an error.

        (slack_sdk's client retries a failed connect for ever, quietly, which would leave
        ``tier0 run`` waiting.)
        """
        try:
            opened = await self.client.apps_connections_open(app_token=self._app_token or "")
        except SlackApiError as error:
            raise ConnectionError(
                f"Slack refused SLACK_APP_TOKEN for Socket Mode ({api_error_code(error)})"
            ) from error
        self._socket = GuardedSocketModeHandler(
            self.bolt, self._app_token, ping_interval=self._ping_interval
        )
        self._socket.client.wss_uri = str(opened["url"])
        try:
            await asyncio.wait_for(
                self._socket.connect_async(),  # type: ignore[no-untyped-call]
                CONNECT_TIMEOUT,
            )
        except TimeoutError:
            raise ConnectionError(
                f"no Socket Mode connection to Slack within {CONNECT_TIMEOUT:.0f} s"
            ) from None

    async def stop(self) -> None:
        """Stop taking events, let handling in flight finish, close the connections.

        What is still in flight after the grace period stays in the inbox for the next start.
        """
        if self._adopting is not None:
            self._adopting.cancel()
            self._adopting = None
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._in_flight:
            await asyncio.wait(set(self._in_flight), timeout=10)
        self.received.inbox.close()
        await self._close_session()

    async def _close_session(self) -> None:
        if self.client.session is not None:
            await self.client.session.close()
            self.client.session = None

    async def _serve_http(self) -> None:
        """Slack's requests in, through ``http_guard``: Bolt sees only signed, well-formed
        ones (it would parse, and log, anyone's)."""
        guard = SlackRequestGuard(self._signing_secret)

        async def endpoint(request: web.Request) -> web.Response:
            admitted = await guard.admit(request)
            if isinstance(admitted, web.Response):
                return admitted
            return await to_aiohttp_response(await self.bolt.async_dispatch(admitted))

        server = web.Application(client_max_size=MAX_BODY_BYTES)
        server.router.add_post(self.settings.http_path, endpoint)
        self._runner = web.AppRunner(server, handle_signals=False, access_log=None)
        await self._runner.setup()
        # SO_REUSEPORT: the workers of `tier0 run --workers N` listen on one port and the
        # kernel spreads Slack's requests over them.
        site = web.TCPSite(
            self._runner, self.settings.http_host, self.settings.http_port, reuse_port=True
        )
        await site.start()
        address = self._runner.addresses[0]
        self.http_address = (str(address[0]), int(address[1]))

    # -- events in --------------------------------------------------------------------------

    def _register(self) -> None:
        """Listeners that feed the engine keep their payload in the inbox until handled;
        the two that only open a view (whose trigger expires in seconds) need not."""
        bolt = self.bolt
        kept = [self.received.record]
        bolt.event("message", middleware=kept)(self._on_message)
        bolt.event("app_mention", middleware=kept)(self._on_message)
        bolt.action(SHOW_ANSWER_ACTION)(self._on_show_answer)
        bolt.action(SAVE_ARTICLE_ACTION)(self._on_save_article)
        bolt.view(ARTICLE_FORM_CALLBACK, middleware=kept)(self._on_article_form)
        bolt.action(_ENGINE_ACTION, middleware=kept)(self._on_action)
        bolt.command(self.settings.slash_command, middleware=kept)(self._on_command)
        bolt.shortcut(CREATE_TICKET_CALLBACK, middleware=kept)(self._on_shortcut)
        bolt.error(self._on_error)

    async def _on_message(self, event: JSON, context: AsyncBoltContext) -> None:
        await self._tracked(self._message(event), context)

    async def _message(self, event: JSON) -> None:
        route = message_route(event, self.rules)
        if route == "ignore":
            return
        place = place_of_message(event)
        async with self._turns.turn((place.channel, place.thread)):
            if route == "thread_check" and not await self.directory.takes_part(
                place.channel, place.thread or ""
            ):
                return
            if event.get("type") == "app_mention" and place.thread:
                self.directory.remember_thread(place.channel, place.thread)
            person = await self.directory.person(str(event["user"]))
            await self._handle(message_event(event, person, self.rules))

    async def _on_action(self, ack: AsyncAck, body: JSON, context: AsyncBoltContext) -> None:
        await ack()
        await self._tracked(self._action(body), context)

    async def _action(self, body: JSON) -> None:
        place = place_of_action(body)
        if place is None:
            return
        async with self._turns.turn((place.channel, place.thread)):
            person = await self.directory.person(str(body["user"]["id"]))
            await self._handle(block_action(body, person))

    async def _on_show_answer(self, ack: AsyncAck, body: JSON) -> None:
        await ack()
        value = str(body["actions"][0].get("value", ""))
        article_id, locale = parse_show_answer_value(value)
        title = self._context.article_titles.get(article_id)
        text = self._context.article_bodies.get(article_id)
        if title is None or text is None:
            return
        view = answer_view(title, text, locale)
        await self.client.views_open(trigger_id=body["trigger_id"], view=view)

    async def _on_save_article(self, ack: AsyncAck, body: JSON) -> None:
        """Open the review form with the draft at once (the trigger lasts three seconds), or
        tell the presser, and only them, why not."""
        await ack()
        place = place_of_action(body)
        if place is None:
            return
        person = await self.directory.person(str(body["user"]["id"]))
        key = str(body["actions"][0].get("value", ""))
        draft = await asyncio.to_thread(self._engine.draft_article, person, key)
        if isinstance(draft, str):
            for call in render(Refuse(person, place, draft), self._context):
                await self.sender.call(call, "the save-article refusal")
            return
        view = article_form(draft, place, self._context.locale)
        await self.client.views_open(trigger_id=body["trigger_id"], view=view)

    async def _on_article_form(self, ack: AsyncAck, body: JSON, context: AsyncBoltContext) -> None:
        await ack()
        await self._tracked(self._article_form(body), context)

    async def _article_form(self, body: JSON) -> None:
        person = await self.directory.person(str(body["user"]["id"]))
        await self._handle(article_submission(body, person))

    async def _on_command(self, ack: AsyncAck, command: JSON, context: AsyncBoltContext) -> None:
        user, channel = str(command["user_id"]), str(command.get("channel_id", ""))
        if self.directory.known_dm(user) == channel:
            await ack()
        else:
            locale = pick_locale(self.directory.known_locale(user), self._context.locale)
            await ack(text=say("slack.answer_in_dm", locale))
        await self._tracked(self._command(command), context)

    async def _command(self, command: JSON) -> None:
        user = str(command["user_id"])
        person = await self.directory.person(user)
        await self._handle(slash_command(command, person, await self.directory.dm_channel(user)))

    async def _on_shortcut(self, ack: AsyncAck, shortcut: JSON, context: AsyncBoltContext) -> None:
        await ack()
        await self._tracked(self._shortcut(shortcut), context)

    async def _shortcut(self, shortcut: JSON) -> None:
        user = str(shortcut["user"]["id"])
        person = await self.directory.person(user)
        dm = await self.directory.dm_channel(user)
        await self._handle(message_shortcut(shortcut, person, dm))

    async def _on_error(self, error: Exception, body: JSON) -> None:
        if isinstance(error, SlackApiError):  # Slack refused a call (an unknown user...): no bug
            kind = body.get("type") or ("slash command" if "command" in body else "payload")
            log.error("slack: a %s was dropped: Slack answered %s", kind, api_error_code(error))
            return
        log.error("slack: listener failed on %s", body.get("type"), exc_info=error)

    async def _tracked(self, work: Awaitable[None], context: AsyncBoltContext) -> None:
        """Run ``work`` as part of this listener's task, which ``stop`` waits for, and
        forget its payload in the inbox once done."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self.received.handled(work, context)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _handle(self, event: Event | None) -> None:
        if event is None:
            return
        # An event neither the database nor the spool could keep raises NotKept while its
        # payload can be tried again from the inbox; on its last try its writer is told.
        handle = partial(self._engine.handle, event, redeliverable=redeliverable())
        deliveries = await self._fair.run(event.person, handle)
        for delivery in deliveries:
            if delivery.id == 0:  # not stored (the engine failed): best effort, now
                try:
                    await self.sender.send(delivery)
                except Exception:
                    log.exception("slack: could not send an unstored notice")
        if deliveries:  # nothing to send after a flood's ignored event: no outbox query
            self.dispatcher.wake()
