"""A real SlackAdapter (Bolt, the engine, a database) against FakeSlack, for end-to-end tests.

The adapter runs on its own event loop in a background thread, as under ``tier0 run``; the
test thread plays Slack's users through the fake (Socket Mode or signed HTTP requests) and
waits on the Web API calls the fake records. Nothing is synchronised with sleeps.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, Literal, TypeVar

from adapters.slack import SlackAdapter
from adapters.slack.received import RETRY_DELAYS
from bot.conversation.engine import Engine
from bot.platform_settings import SlackSettings
from bot.records import Card
from bot.settings import Settings, TicketSettings, TierSettings
from kb import KnowledgeBase
from storage.db import Database
from storage.inbox import Inbox
from storage.spool import is_outage
from tests.fakes.slack_server import FakeSlack, RecordedCall
from tests.support.chat import FakeClock
from tests.support.slack_messages import all_text, channel_of, control, posted_message
from tier0.app import App

JSON = dict[str, Any]
T = TypeVar("T")
Mode = Literal["socket", "http"]

SIGNING_SECRET = "tier0-test-signing-secret"
ALICE = "U0ALICE"  # Service desk agent
BOB = "U0BOB"  # Service desk agent
ERIN = "U0ERIN"  # Specialist, through the user group
CAROL = "U0CAROL"  # an employee, not an agent
DAN = "U0DAN"  # an employee
SPECIALISTS_GROUP = "S0SPECIAL"
HELP = "C0ITHELP"
GENERAL = "C0GENERAL"
TRIAGE_1 = "C0TRIAGE1"
TRIAGE_2 = "C0TRIAGE2"


def slack_settings(fake: FakeSlack, mode: Mode) -> Settings:
    slack = SlackSettings(
        enabled=True,
        mode=mode,
        api_url=fake.api_url,
        http_host="127.0.0.1",
        help_channels=[HELP],
        triage_channels={"Service desk": TRIAGE_1, "Specialists": TRIAGE_2},
    )
    if mode == "http":  # any free port; the settings themselves insist on a real one
        slack = slack.model_copy(update={"http_port": 0})
    tickets = TicketSettings(
        tiers=[
            TierSettings(name="Service desk", agents=[f"slack:{ALICE}", f"slack:{BOB}"]),
            TierSettings(name="Specialists", roles=[f"slack:{SPECIALISTS_GROUP}"]),
        ]
    )
    return Settings(slack=slack, tickets=tickets)


def seed_directory(fake: FakeSlack) -> None:
    fake.add_user(ALICE, "alice", real_name="Alice Ng")
    fake.add_user(BOB, "bob", real_name="Bob Silva")
    fake.add_user(ERIN, "erin", real_name="Erin Ko")
    fake.add_user(CAROL, "carol", real_name="Carol Reis", locale="pt-BR")
    fake.add_user(DAN, "dan", real_name="Dan Ito")
    for channel, name in (
        (HELP, "it-help"),
        (GENERAL, "general"),
        (TRIAGE_1, "triage-desk"),
        (TRIAGE_2, "triage-specialists"),
    ):
        fake.add_channel(channel, name)


class LoopThread:
    """An asyncio loop in a daemon thread, like the one ``tier0 run`` drives adapters on."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="slack-app", daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        return self.submit(coro).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        self.loop.close()


class SlackBot:
    """The adapter under test, its engine, and the people who talk to it through the fake."""

    def __init__(
        self,
        fake: FakeSlack,
        mode: Mode,
        database: Database,
        kb: KnowledgeBase,
        clock: FakeClock,
        settings: Settings | None = None,
        inbox_folder: Path | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        """``inbox_folder``: where Slack payloads wait until handled (a fresh temporary
        folder, removed at ``close``, unless given); ``retry_delays``: when a payload whose
        handling met a failing Slack is tried again."""
        self.fake = fake
        self.mode = mode
        self.clock = clock
        settings = settings or slack_settings(fake, mode)
        self.engine = Engine(settings, kb, database.unit_of_work, clock)
        self.app = App(settings, database, kb, (), self.engine)
        self._own_inbox = inbox_folder is None
        self.inbox_folder = inbox_folder or Path(tempfile.mkdtemp(prefix="tier0-inbox-"))
        self.adapter = SlackAdapter(
            self.engine,
            settings,
            kb,
            inbox=Inbox(self.inbox_folder, "slack"),
            outage=is_outage,
            bot_token=fake.workspace.bot_token,
            app_token=fake.workspace.app_token if mode == "socket" else None,
            signing_secret=SIGNING_SECRET if mode == "http" else None,
            ping_interval=1.0,
            retry_delays=retry_delays,
        )
        self._loop = LoopThread()
        self._stop: asyncio.Event | None = None
        self._delivering: Future[None] | None = None
        self.url = ""
        self._closed = False

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> SlackBot:
        self._loop.run(self.adapter.start())
        self._stop = self._loop.run(_new_event())
        self._delivering = self._loop.submit(self.adapter.dispatcher.run(self._stop, interval=0.05))
        if self.mode == "http":
            host, port = self.adapter.http_address or ("", 0)
            self.url = f"http://{host}:{port}{self.app.settings.slack.http_path}"
        else:
            self.fake.wait_for_connection()
        return self

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._loop.run(self.adapter.stop())
            if self._stop is not None and self._delivering is not None:
                self._loop.loop.call_soon_threadsafe(self._stop.set)
                self._delivering.result(timeout=10)
        finally:
            self._loop.close()
            if self._own_inbox:
                shutil.rmtree(self.inbox_folder, ignore_errors=True)

    # -- people acting ----------------------------------------------------------------------

    def event(self, event: JSON, *, event_id: str | None = None, retry: int | None = None) -> str:
        """Deliver an Events API event the way this mode does; returns its event_id."""
        callback_id = event_id or self.fake.world.next_id("Ev")
        if self.mode == "socket":
            if retry:
                raise ValueError("use redeliver() for Socket Mode retries")
            envelope = self.fake.push_event(event, event_id=callback_id)
            self.fake.wait_for_ack(envelope)
        else:
            if event.get("type") in ("message", "app_mention") and "subtype" not in event:
                self.fake.world.store_message(str(event["channel"]), dict(event))  # as Slack would
            reply = self.sender().send_event(event, event_id=callback_id, retry_num=retry)
            assert reply.status == 200, reply
        return callback_id

    def say(
        self,
        user: str,
        text: str,
        channel: str,
        *,
        thread_ts: str | None = None,
        mention: bool = False,
        channel_type: str | None = None,
    ) -> JSON:
        """A person writes; ``mention`` sends it as Slack does for an @mention (app_mention)."""
        kind = "app_mention" if mention else "message"
        event = self.fake.payloads.message_event(
            text,
            user=user,
            channel=channel,
            thread_ts=thread_ts,
            event_type=kind,
            channel_type=channel_type,
        )
        self.event(event)
        return event

    def interact(self, payload: JSON) -> None:
        if self.mode == "socket":
            self.fake.wait_for_ack(self.fake.push_interactive(payload))
        else:
            reply = self.sender().send_interactive(payload)
            assert reply.status == 200, reply

    def press(self, user: str, message: JSON, label: str) -> None:
        """Click the button labelled ``label`` on a message the bot posted."""
        element = control(message, lambda e: e.get("text", {}).get("text") == label)
        self.interact(self.click_payload(user, message, element))

    def click_payload(self, user: str, message: JSON, element: JSON) -> JSON:
        channel = self.channel_of(message)
        payload = self.fake.payloads.block_actions(
            element["action_id"],
            user_id=user,
            channel_id=channel,
            value=element.get("value", ""),
            message=message,
        )
        payload["actions"][0]["type"] = element["type"]
        return payload

    def choose(self, user: str, message: JSON, option_label: str) -> None:
        """Pick an option of the static select menu on a message (the card's priority)."""
        menu = control(message, lambda e: e["type"] == "static_select")
        option = next(o for o in menu["options"] if o["text"]["text"] == option_label)
        payload = self.click_payload(user, message, menu)
        action = payload["actions"][0]
        del action["value"]
        action["selected_option"] = option
        self.interact(payload)

    def command(self, user: str, text: str, channel: str) -> None:
        name = self.app.settings.slack.slash_command
        if self.mode == "socket":
            envelope = self.fake.push_slash_command(name, text, user_id=user, channel_id=channel)
            self.fake.wait_for_ack(envelope)
        else:
            reply = self.sender().send_slash_command(name, text, user_id=user, channel_id=channel)
            assert reply.status == 200, reply

    def sender(self) -> Any:
        return self.fake.http_sender(self.url, SIGNING_SECRET)

    # -- what the bot did -------------------------------------------------------------------

    def posted(
        self, channel: str, contains: str = "", *, thread_ts: str | None = None, after: int = 0
    ) -> JSON:
        """Wait for the bot's message in ``channel`` (and thread) whose text has ``contains``;
        returns it as stored in the channel's history (with ts, blocks, thread_ts)."""

        def matches(params: JSON) -> bool:
            return (
                params.get("channel") == channel
                and (thread_ts is None or params.get("thread_ts") == thread_ts)
                and contains in all_text(params)
            )

        call = self._wait("chat.postMessage", matches, after)
        return self.message(channel, str(call.response["ts"]))

    def _wait(self, method: str, predicate: Callable[[JSON], bool], after: int) -> RecordedCall:
        deadline = time.monotonic() + 10
        while True:
            found = [c for c in self.fake.calls(method)[after:] if c.ok and predicate(c.params)]
            if found:
                return found[0]
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                seen = [f"{c.method} {c.params}" for c in self.fake.calls()]
                raise AssertionError(f"no matching {method}; calls: {seen}")
            try:
                self.fake.wait_for_call(method, predicate, timeout=remaining, ok=True)
            except AssertionError:
                continue

    def updated(self, channel: str, ts: str, contains: str) -> JSON:
        self._wait(
            "chat.update",
            lambda p: p.get("channel") == channel and p.get("ts") == ts and contains in all_text(p),
            0,
        )
        return self.message(channel, ts)

    def ephemeral(self, user: str, contains: str) -> RecordedCall:
        return self._wait(
            "chat.postEphemeral", lambda p: p.get("user") == user and contains in p["text"], 0
        )

    def message(self, channel: str, ts: str) -> JSON:
        return posted_message(self.fake, channel, ts)

    def channel_of(self, message: JSON) -> str:
        return channel_of(self.fake, message)

    def cards(self, key: str, count: int = 1) -> list[Card]:
        """The ticket's cards once ``count`` are attached (the adapter attaches after posting)."""
        deadline = time.monotonic() + 10
        tick = threading.Event()
        while True:
            cards = self.engine.cards(key)
            if len(cards) >= count:
                return cards
            if time.monotonic() > deadline:
                raise AssertionError(f"{key} has cards {cards}, expected {count}")
            tick.wait(0.01)

    def dm(self, user: str) -> str:
        return str(self.fake.world.open_dm(user)["id"])


async def _new_event() -> asyncio.Event:
    return asyncio.Event()
