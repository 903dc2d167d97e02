"""Behaviour of the fake Discord, proven with the real discord.py client over real sockets.

Each test starts a fresh fake on 127.0.0.1 (the ``fake_discord`` fixture) and a real
``discord.Client`` on its own thread (``run_bot``); the test thread plays the humans.
"""

from __future__ import annotations

import io
import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import discord
import pytest
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from tests.fakes import discord_server
from tests.fakes.discord_server import FakeDiscord, RunningClient, discord_py_pointed_at

fake_discord = discord_server.fake_discord
run_bot = discord_server.run_discord_client

T = TypeVar("T")
TIMEOUT = 5.0
MESSAGES = r"/channels/\d+/messages"
CALLBACK = r"/interactions/\d+/[^/]+/callback"


def intents() -> discord.Intents:
    wanted = discord.Intents.default()
    wanted.message_content = True
    wanted.members = True
    return wanted


class RecordingBot(discord.Client):
    """Hands every event it sees to the test thread through queues."""

    def __init__(self) -> None:
        super().__init__(intents=intents(), guild_ready_timeout=0.1)
        self.messages: queue.Queue[discord.Message] = queue.Queue()
        self.interactions: queue.Queue[discord.Interaction] = queue.Queue()
        self.resumes: queue.Queue[None] = queue.Queue()
        self.readies: queue.Queue[None] = queue.Queue()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY; tests have no quota to protect."""

    async def on_ready(self) -> None:
        self.readies.put(None)

    async def on_resumed(self) -> None:
        self.resumes.put(None)

    async def on_message(self, message: discord.Message) -> None:
        self.messages.put(message)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.interactions.put(interaction)


def next_item(items: queue.Queue[T], predicate: Callable[[T], bool] = lambda _: True) -> T:
    while True:
        item = items.get(timeout=TIMEOUT)
        if predicate(item):
            return item


def test_client_becomes_ready_and_sees_the_guild_channels_threads_and_members(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    run_bot(client)

    guild = client.get_guild(fake_discord.guild_id)
    assert guild is not None and not guild.unavailable
    assert [c.name for c in guild.text_channels] == ["general", "support", "agents"]
    assert [t.name for t in guild.threads] == ["existing-ticket"]
    bob = guild.get_member(fake_discord.member("bob").id)
    assert bob is not None and [r.name for r in bob.roles] == ["@everyone", "Support Agents"]
    assert client.user is not None and client.user.id == fake_discord.bot.id
    assert client.application_id == fake_discord.application_id
    identify = fake_discord.wait_for_gateway_op(2)
    assert identify.d["token"] == fake_discord.token
    assert identify.d["intents"] == intents().value
    first = fake_discord.gateway_connections[0]
    assert first.path == "/gateway" and first.query["v"] == "10"
    assert first.query.get("compress") in ("zlib-stream", "zstd-stream")  # zstd: answered as text
    fake_discord.wait_for_gateway_op(1)  # heartbeats flow (and are ACKed)


def test_a_message_reaches_on_message_and_the_reply_is_posted_with_allowed_mentions(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    class EchoBot(RecordingBot):
        async def on_message(self, message: discord.Message) -> None:
            await super().on_message(message)
            if message.author != self.user:
                await message.channel.send(
                    f"Hi {message.author.mention}, a person will be with you shortly.",
                    allowed_mentions=discord.AllowedMentions(
                        everyone=False, users=[message.author], roles=False
                    ),
                )

    client = EchoBot()
    run_bot(client)
    alice = fake_discord.member("alice")

    fake_discord.send_message("support", "alice", "My <@&1> invoice is wrong")

    seen = next_item(client.messages)
    assert (seen.content, seen.author.id, seen.channel.id) == (
        "My <@&1> invoice is wrong",
        alice.id,
        fake_discord.channel_id("support"),
    )
    assert isinstance(seen.author, discord.Member) and seen.guild is not None
    reply = fake_discord.wait_for_request("POST", MESSAGES)
    assert reply.path == f"/channels/{fake_discord.channel_id('support')}/messages"
    assert reply.json["content"] == f"Hi <@{alice.id}>, a person will be with you shortly."
    assert reply.json["allowed_mentions"] == {
        "parse": [],
        "users": [alice.id],
        "replied_user": True,  # discord.py's default, even for a plain send()
    }
    assert reply.headers["Authorization"] == f"Bot {fake_discord.token}"
    echoed = next_item(client.messages, lambda m: m.author == client.user)
    assert echoed.mentions == [seen.author]


def test_a_button_click_reaches_on_interaction_and_the_response_is_a_callback(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    class ClaimBot(RecordingBot):
        async def on_interaction(self, interaction: discord.Interaction) -> None:
            await super().on_interaction(interaction)
            await interaction.response.send_message(f"Claimed by {interaction.user.name}")

    client = ClaimBot()
    bot = run_bot(client)

    async def post_ticket() -> discord.Message:
        view = discord.ui.View()
        view.add_item(discord.ui.Button(label="Claim", custom_id="ticket:claim"))
        channel = client.get_channel(fake_discord.channel_id("agents"))
        assert isinstance(channel, discord.TextChannel)
        return await channel.send("New ticket from alice", view=view)

    ticket = bot.call(post_ticket())
    posted = fake_discord.wait_for_request("POST", MESSAGES)
    assert posted.json["components"][0]["components"][0]["custom_id"] == "ticket:claim"

    sent = fake_discord.send_component("ticket:claim", user="bob", message=ticket.id)

    interaction = next_item(client.interactions)
    assert interaction.type is discord.InteractionType.component
    assert interaction.custom_id == "ticket:claim"
    assert interaction.message is not None and interaction.message.id == ticket.id
    callback = fake_discord.wait_for_request("POST", CALLBACK)
    assert callback.path == f"/interactions/{sent['id']}/{sent['token']}/callback"
    assert callback.json == {"type": 4, "data": {"tts": False, "content": "Claimed by bob"}}
    assert callback.query == {"with_response": "1"}
    assert callback.status == 200
    assert "Authorization" not in callback.headers


def test_a_component_response_can_edit_its_message_or_just_acknowledge(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    class TriageBot(RecordingBot):
        async def on_interaction(self, interaction: discord.Interaction) -> None:
            if interaction.custom_id == "ticket:close":
                await interaction.response.edit_message(content="Closed by bob", view=None)
            else:
                await interaction.response.defer()

    client = TriageBot()
    run_bot(client)
    card = fake_discord.send_message("agents", "tier0", "Ticket #7 (open)")

    fake_discord.send_component("ticket:close", user="bob", message=card)
    updated = fake_discord.wait_for_request("POST", CALLBACK)
    assert updated.json["type"] == 7
    assert updated.json["data"] == {"tts": False, "content": "Closed by bob", "components": []}
    assert fake_discord.message(int(card["id"]))["content"] == "Closed by bob"
    fake_discord.send_component("ticket:priority", user="bob", message=card, values=["high"])
    acked = fake_discord.wait_for_request("POST", CALLBACK, lambda r: r.json["type"] == 6)
    assert acked.status == 200


def test_a_member_can_be_fetched_and_messaged_directly(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    bot = run_bot(client)
    alice = fake_discord.member("alice")

    async def message_alice() -> discord.Member:
        guild = client.get_guild(fake_discord.guild_id)
        assert guild is not None
        member = await guild.fetch_member(alice.id)
        await member.send("Your ticket was answered.")
        return member

    member = bot.call(message_alice())

    assert member.name == "alice"
    fake_discord.wait_for_request("GET", rf"/guilds/{fake_discord.guild_id}/members/{alice.id}")
    opened = fake_discord.wait_for_request("POST", "/users/@me/channels")
    assert opened.json == {"recipient_id": alice.id}
    dm = fake_discord.dm_channel_id("alice")
    sent = fake_discord.wait_for_request("POST", rf"/channels/{dm}/messages")
    assert sent.json["content"] == "Your ticket was answered."
    fake_discord.send_message(dm, "alice", "thanks!")
    reply = next_item(client.messages, lambda m: m.content == "thanks!")
    assert isinstance(reply.channel, discord.DMChannel) and reply.guild is None


def test_an_app_command_is_synced_then_invoked_with_options_and_locale(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    guild = discord.Object(fake_discord.guild_id)
    answered: queue.Queue[tuple[str, str]] = queue.Queue()

    class CommandBot(RecordingBot):
        def __init__(self) -> None:
            super().__init__()
            self.tree = app_commands.CommandTree(self)

            @self.tree.command(description="Ask the knowledge base")
            async def ask(interaction: discord.Interaction, question: str) -> None:
                answered.put((question, interaction.locale.value))
                await interaction.response.send_message(f"Searching for {question!r}")

            @self.tree.command(description="Hand a ticket to an agent", guild=guild)
            async def escalate(interaction: discord.Interaction, agent: discord.Member) -> None:
                await interaction.response.defer(thinking=True)
                await interaction.followup.send(f"Escalated to {agent.mention}")
                await interaction.edit_original_response(content="Escalation done")

        async def setup_hook(self) -> None:
            await self.tree.sync()
            await self.tree.sync(guild=guild)

    run_bot(CommandBot())
    app = fake_discord.application_id
    synced = fake_discord.wait_for_request("PUT", rf"/applications/{app}/commands")
    assert [(c["name"], c["options"][0]["type"]) for c in synced.json] == [("ask", 3)]
    fake_discord.wait_for_request("PUT", rf"/applications/{app}/guilds/{guild.id}/commands")

    fake_discord.send_command(
        "ask", user="alice", channel="support", options={"question": "reset password"}, locale="fr"
    )
    assert answered.get(timeout=TIMEOUT) == ("reset password", "fr")
    callback = fake_discord.wait_for_request("POST", CALLBACK)
    assert callback.json["type"] == 4
    assert callback.json["data"]["content"] == "Searching for 'reset password'"

    bob = fake_discord.member("bob")
    fake_discord.send_command("escalate", user="alice", channel="support", options={"agent": bob})
    deferred = fake_discord.wait_for_request("POST", CALLBACK, lambda r: r.json["type"] == 5)
    token = deferred.path.split("/")[3]
    followup = fake_discord.wait_for_request("POST", rf"/webhooks/{app}/{token}")
    assert followup.json["content"] == f"Escalated to <@{bob.id}>"
    edited = fake_discord.wait_for_request("PATCH", rf"/webhooks/{app}/{token}/messages/@original")
    assert edited.json["content"] == "Escalation done" and edited.status == 200


def test_a_button_can_open_a_modal_whose_submission_reaches_the_bot(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    submitted: queue.Queue[str] = queue.Queue()

    class DetailsModal(discord.ui.Modal, title="Describe the problem"):
        details: discord.ui.TextInput[Any] = discord.ui.TextInput(
            label="Details", custom_id="details"
        )

        async def on_submit(self, interaction: discord.Interaction) -> None:
            submitted.put(self.details.value)
            await interaction.response.send_message("Thanks!", ephemeral=True)

    class ModalBot(RecordingBot):
        async def on_interaction(self, interaction: discord.Interaction) -> None:
            if interaction.type is discord.InteractionType.component:
                await interaction.response.send_modal(DetailsModal(custom_id="ticket:details"))

    run_bot(ModalBot())
    message = fake_discord.send_message("support", "tier0", "Open a ticket?")

    fake_discord.send_component("ticket:open", user="alice", message=message)
    opened = fake_discord.wait_for_request("POST", CALLBACK)
    assert opened.json["type"] == 9 and opened.json["data"]["custom_id"] == "ticket:details"
    fake_discord.send_modal_submit(
        "ticket:details", {"details": "Printer on fire"}, user="alice", channel="support"
    )

    assert submitted.get(timeout=TIMEOUT) == "Printer on fire"
    thanks = fake_discord.wait_for_request("POST", CALLBACK, lambda r: r.json["type"] == 4)
    assert thanks.json["data"]["flags"] == 64


def test_a_private_thread_is_created_and_an_agent_added_through_the_thread_routes(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    bot = run_bot(client)
    bob = fake_discord.member("bob")
    support = fake_discord.channel_id("support")

    async def open_ticket_thread() -> discord.Thread:
        channel = client.get_channel(support)
        assert isinstance(channel, discord.TextChannel)
        thread = await channel.create_thread(
            name="ticket-42", type=discord.ChannelType.private_thread, invitable=False
        )
        await thread.add_user(discord.Object(bob.id))
        await thread.send("Bob will help you here.")
        await thread.edit(archived=True, locked=True)
        return thread

    thread = bot.call(open_ticket_thread())

    created = fake_discord.wait_for_request("POST", rf"/channels/{support}/threads")
    assert created.json["type"] == 12 and created.json["invitable"] is False
    assert created.json["name"] == "ticket-42"
    added = fake_discord.wait_for_request("PUT", rf"/channels/{thread.id}/thread-members/\d+")
    assert added.path.endswith(f"/{bob.id}") and added.status == 204
    assert fake_discord.thread_member_ids(thread.id) == {fake_discord.bot.id, bob.id}
    closed = fake_discord.wait_for_request("PATCH", rf"/channels/{thread.id}")
    assert closed.json == {"archived": True, "locked": True}
    assert fake_discord.channel(thread.id)["thread_metadata"]["locked"] is True
    assert client.get_channel(thread.id) is None  # discord.py drops archived threads from cache
    fetched = bot.call(client.fetch_channel(thread.id))
    assert isinstance(fetched, discord.Thread) and fetched.is_private() and fetched.archived


def test_after_a_dropped_connection_the_client_resumes_and_gets_the_missed_message(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    run_bot(client)
    ready = fake_discord.wait_for_gateway_op(2)

    with fake_discord.gateway_held():
        fake_discord.disconnect()
        missed = fake_discord.send_message("support", "alice", "sent while you were away")

    resume = fake_discord.wait_for_gateway_op(6)
    assert resume.path == "/resume" and resume.connection > ready.connection
    assert resume.d["token"] == fake_discord.token
    assert next_item(client.messages).id == int(missed["id"])
    client.resumes.get(timeout=TIMEOUT)
    assert [f.op for f in fake_discord.gateway_frames].count(2) == 1


def test_reconnect_request_resumes_and_an_invalid_session_forces_a_new_identify(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    run_bot(client)
    client.readies.get(timeout=TIMEOUT)

    fake_discord.request_reconnect()
    fake_discord.wait_for_gateway_op(6)
    client.resumes.get(timeout=TIMEOUT)

    fake_discord.invalidate_session(resumable=False)
    fake_discord.wait_for_gateway_op(2, lambda f: f.connection > 2)
    client.readies.get(timeout=TIMEOUT)
    fake_discord.send_message("general", "bob", "still there?")
    assert next_item(client.messages).content == "still there?"


def test_rate_limits_and_server_errors_are_retried_by_discord_py(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    bot = run_bot(client)
    limited = fake_discord.fail_next("POST", MESSAGES, status=429, retry_after=0.2)
    broken = fake_discord.fail_next("PATCH", r"/channels/\d+/messages/\d+", status=502)

    async def send_then_edit() -> discord.Message:
        channel = client.get_channel(fake_discord.channel_id("general"))
        assert isinstance(channel, discord.TextChannel)
        message = await channel.send("hello")
        return await message.edit(content="hello again")

    edited = bot.call(send_then_edit())

    assert edited.content == "hello again"
    assert [r.status for r in fake_discord.requests if r.method == "POST"] == [429, 200]
    assert [r.status for r in fake_discord.requests if r.method == "PATCH"] == [502, 200]
    assert limited.times == 0 and broken.times == 0
    ok = fake_discord.wait_for_request("POST", MESSAGES, lambda r: r.status == 200)
    assert int(ok.headers.get("X-RateLimit-Limit", "50")) == 50


def test_a_repeated_nonce_returns_the_first_message_and_a_lost_answer_still_took_effect(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    bot = run_bot(client)
    general = fake_discord.channel_id("general")
    lost = fake_discord.fail_next("POST", MESSAGES, status=503, after_handling=True)

    async def send(nonce: str) -> discord.Message:
        channel = client.get_channel(general)
        assert isinstance(channel, discord.TextChannel)
        return await channel.send("only once", nonce=nonce)

    with pytest.raises(discord.DiscordServerError):
        bot.call(send("t0:1:1"))
    again = bot.call(send("t0:1:1"))
    other = bot.call(send("t0:2:1"))

    assert lost.times == 0
    stored = [m["id"] for m in fake_discord.messages_in(general)]
    assert stored == [str(again.id), str(other.id)]  # the lost one, returned; then a new one
    posts = [r for r in fake_discord.requests if r.method == "POST"]
    assert [(r.status, r.json["enforce_nonce"]) for r in posts] == [(503, True)] + [(200, True)] * 2


def test_a_slowed_down_call_is_answered_late_and_says_when_it_arrived(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    bot = run_bot(client)
    slow = fake_discord.slow_next("POST", MESSAGES, seconds=0.3)

    async def send() -> discord.Message:
        channel = client.get_channel(fake_discord.channel_id("general"))
        assert isinstance(channel, discord.TextChannel)
        return await channel.send("late")

    sent: queue.Queue[discord.Message] = queue.Queue()
    sending = threading.Thread(target=lambda: sent.put(bot.call(send())))
    sending.start()

    assert slow.started.wait(TIMEOUT)
    assert not [r for r in fake_discord.requests if r.method == "POST"]  # still in flight
    assert next_item(sent).content == "late"
    sending.join(TIMEOUT)
    assert slow.times == 0
    assert len([r for r in fake_discord.requests if r.method == "POST"]) == 1


def test_a_file_upload_arrives_as_multipart_with_payload_json(
    fake_discord: FakeDiscord, run_bot: Callable[[discord.Client], RunningClient[Any]]
) -> None:
    client = RecordingBot()
    bot = run_bot(client)

    async def upload() -> discord.Message:
        channel = client.get_channel(fake_discord.channel_id("agents"))
        assert isinstance(channel, discord.TextChannel)
        transcript = discord.File(io.BytesIO(b"alice: help"), filename="transcript.txt")
        return await channel.send("Transcript attached", file=transcript)

    message = bot.call(upload())

    request = fake_discord.wait_for_request("POST", MESSAGES)
    assert request.json["content"] == "Transcript attached"
    assert [(f.filename, f.data) for f in request.files] == [("transcript.txt", b"alice: help")]
    assert [(a.filename, a.size) for a in message.attachments] == [("transcript.txt", 11)]
    assert yarl.URL(message.attachments[0].url).host == "127.0.0.1"


def test_a_wrong_token_is_refused(fake_discord: FakeDiscord) -> None:
    bot = RunningClient(RecordingBot(), fake_discord, token="not-the-token", timeout=TIMEOUT)

    with pytest.raises(RuntimeError) as failure:
        bot.start()

    assert isinstance(failure.value.__cause__, discord.LoginFailure)
    assert fake_discord.wait_for_request("GET", "/users/@me").status == 401


def test_discord_py_endpoints_are_restored_and_required_before_a_client_starts() -> None:
    before = (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)

    with FakeDiscord() as fake:
        with pytest.raises(RuntimeError, match="not the fake"):
            RunningClient(RecordingBot(), fake).start()
        with discord_py_pointed_at(fake):
            assert fake.api_url == Route.BASE
            assert yarl.URL(fake.gateway_url) == DiscordWebSocket.DEFAULT_GATEWAY
            assert yarl.URL(fake.url).host == "127.0.0.1"

    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
