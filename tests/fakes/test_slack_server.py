"""FakeSlack, specified by what the real slack_sdk and slack_bolt clients experience against it."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from slack_bolt import Ack as BoltAck
from slack_bolt import App, BoltRequest, Respond, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.fakes.slack_server import (
    FakeSlack,
    FakeSlackTimeout,
    fake_slack,
    fake_slack_client,
)

__all__ = ["fake_slack", "fake_slack_client"]  # fixtures, re-exported so pytest finds them here

JSON = dict[str, Any]
SIGNING_SECRET = "tier0-test-signing-secret"


def bolt_app(fake: FakeSlack, **client_kwargs: Any) -> App:
    # Bolt ignores App(token=...) when a client is given, so the token must live on the client.
    client = WebClient(token=fake.workspace.bot_token, base_url=fake.api_url, **client_kwargs)
    return App(client=client, signing_secret=SIGNING_SECRET)


@contextmanager
def socket_mode(
    app: App, fake: FakeSlack, *, ping_interval: float = 10
) -> Iterator[SocketModeHandler]:
    handler = SocketModeHandler(app, fake.workspace.app_token, ping_interval=ping_interval)
    handler.connect()  # type: ignore[no-untyped-call]
    try:
        fake.wait_for_connection()
        yield handler
    finally:
        stop_socket_mode(handler, fake)


def stop_socket_mode(handler: SocketModeHandler, fake: FakeSlack) -> None:
    """Shut the builtin client down in well under a second, without tripping its close() race.

    A bare close() waits out the 3 s recv timeout and the 1 s queue poll; closing from the server
    first wakes recv, but close() must then wait until the client dropped its socket on its own.
    """
    client = handler.client
    client.default_auto_reconnect_enabled = client.auto_reconnect_enabled = False
    fake.disconnect("close")
    wait_until(lambda: not client.is_connected(), "the client to drop its socket")
    client.closed = True
    client.message_queue.put(None)  # wakes the dispatch loop, which then sees `closed`
    handler.close()  # type: ignore[no-untyped-call]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout}s")
        tick.wait(0.01)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def http_mode(app: App) -> Iterator[str]:
    server: WSGIServer = make_server(
        "127.0.0.1", 0, SlackRequestHandler(app), handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# -- Web API -----------------------------------------------------------------------------------


def test_web_client_gets_slack_shaped_answers_and_every_call_is_recorded(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    assert fake_slack_client.auth_test()["user_id"] == fake_slack.workspace.bot_user_id

    first = fake_slack_client.chat_postMessage(channel="C0SUPPORT", text="hello")
    second = fake_slack_client.chat_postMessage(
        channel="C0SUPPORT", text="again", thread_ts=first["ts"]
    )

    assert first["channel"] == "C0SUPPORT" and first["message"]["text"] == "hello"
    assert first["message"]["bot_id"] == fake_slack.workspace.bot_id
    assert float(second["ts"]) > float(first["ts"]) and len(first["ts"].split(".")[1]) == 6
    call = fake_slack.wait_for_call("chat.postMessage", lambda p: p.get("text") == "again")
    assert call.token == fake_slack.workspace.bot_token and call.params["thread_ts"] == first["ts"]
    assert [c.method for c in fake_slack.calls()] == [
        "auth.test",
        "chat.postMessage",
        "chat.postMessage",
    ]


def test_unknown_or_wrong_kind_of_token_is_refused(fake_slack: FakeSlack) -> None:
    stranger = WebClient(token="xoxb-not-ours", base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as refused:
        stranger.chat_postMessage(channel="C0SUPPORT", text="hi")
    assert refused.value.response["error"] == "invalid_auth"

    bot = WebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.api_url)
    with pytest.raises(SlackApiError) as wrong_kind:
        bot.apps_connections_open(app_token=fake_slack.workspace.bot_token)
    assert wrong_kind.value.response["error"] == "not_allowed_token_type"


def test_form_encoded_and_json_bodies_are_read_alike(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack_client.api_call("chat.postMessage", params={"channel": "C0A", "text": "as form"})
    fake_slack_client.api_call("chat.postMessage", json={"channel": "C0A", "text": "as json"})
    fake_slack_client.api_call(
        "chat.postMessage", params={"channel": "C0A", "blocks": '[{"type": "divider"}]'}
    )

    kinds = [c.content_type.split(";")[0] for c in fake_slack.calls("chat.postMessage")]
    assert kinds[:2] == ["application/x-www-form-urlencoded", "application/json"]
    assert [m.get("text") for m in fake_slack.history("C0A")] == ["as form", "as json", ""]
    assert fake_slack.history("C0A")[2]["blocks"] == [{"type": "divider"}]


def test_users_info_serves_the_directory_and_locale_only_on_request(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.add_user(
        "U0ALICE", "alice", real_name="Alice Ng", locale="de-DE", tz="Europe/Berlin"
    )

    plain = fake_slack_client.users_info(user="U0ALICE")["user"]
    with_locale = fake_slack_client.users_info(user="U0ALICE", include_locale=True)["user"]

    assert plain["real_name"] == "Alice Ng" and plain["tz"] == "Europe/Berlin"
    assert plain["tz_offset"] in (3600, 7200) and "locale" not in plain
    assert with_locale["locale"] == "de-DE"
    with pytest.raises(SlackApiError, match="user_not_found"):
        fake_slack_client.users_info(user="U0NOBODY")


def test_a_support_thread_round_trip_through_the_web_api(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.add_user("U0ALICE", "alice")
    dm = fake_slack_client.conversations_open(users="U0ALICE")["channel"]["id"]
    assert fake_slack_client.conversations_info(channel=dm)["channel"]["is_im"] is True

    question = fake_slack_client.chat_postMessage(channel=dm, text="How can I help?")
    fake_slack_client.chat_postMessage(channel=dm, text="Try this", thread_ts=question["ts"])
    fake_slack_client.chat_update(channel=dm, ts=question["ts"], text="How can I help you?")
    fake_slack_client.reactions_add(channel=dm, timestamp=question["ts"], name="eyes")
    fake_slack_client.chat_postEphemeral(channel=dm, user="U0ALICE", text="only you")

    thread = fake_slack_client.conversations_replies(channel=dm, ts=question["ts"])["messages"]
    assert [m["text"] for m in thread] == ["How can I help you?", "Try this"]
    assert thread[0]["reply_count"] == 1 and thread[0]["reactions"][0]["name"] == "eyes"
    fake_slack_client.chat_delete(channel=dm, ts=question["ts"])
    with pytest.raises(SlackApiError, match="thread_not_found"):
        fake_slack_client.conversations_replies(channel=dm, ts=question["ts"])

    view = {"type": "modal", "callback_id": "ticket", "title": {"type": "plain_text", "text": "T"}}
    opened = fake_slack_client.views_open(trigger_id="1.2.3", view=view)["view"]
    assert opened["callback_id"] == "ticket" and opened["id"].startswith("V")


def test_rate_limited_call_is_retried_after_retry_after(fake_slack: FakeSlack) -> None:
    client = WebClient(
        token=fake_slack.workspace.bot_token,
        base_url=fake_slack.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)],
    )
    fake_slack.rate_limit("chat.postMessage", retry_after=0, times=1)

    assert client.chat_postMessage(channel="C0A", text="eventually")["ok"]
    assert fake_slack.wait_for_call("chat.postMessage", ok=True).response["ok"]
    attempts = fake_slack.calls("chat.postMessage")
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[0].response == {"ok": False, "error": "ratelimited"}


def test_scripted_server_errors_surface_then_clear(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.fail_with_status("chat.postMessage", 503)
    fake_slack.fail_with_error("chat.postMessage", "not_in_channel")

    with pytest.raises(SlackApiError) as unavailable:
        fake_slack_client.chat_postMessage(channel="C0A", text="1")
    with pytest.raises(SlackApiError, match="not_in_channel"):
        fake_slack_client.chat_postMessage(channel="C0A", text="2")

    assert unavailable.value.response.status_code == 503
    assert fake_slack_client.chat_postMessage(channel="C0A", text="3")["ok"]


def test_user_groups_list_their_members(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    fake_slack.world.add_usergroup("S0DESK", "desk", ["U0ALICE", "U0BOB"])
    fake_slack.world.add_usergroup("S0OLD", "old", ["U0CAROL"], disabled=True)

    assert fake_slack_client.usergroups_users_list(usergroup="S0DESK")["users"] == [
        "U0ALICE",
        "U0BOB",
    ]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        fake_slack_client.usergroups_users_list(usergroup="S0OLD")
    old = fake_slack_client.usergroups_users_list(usergroup="S0OLD", include_disabled=True)
    assert old["users"] == ["U0CAROL"]
    with pytest.raises(SlackApiError, match="no_such_subteam"):
        fake_slack_client.usergroups_users_list(usergroup="S0NONE")


def test_a_slowed_down_method_answers_late_and_says_when_the_call_arrived(
    fake_slack: FakeSlack, fake_slack_client: WebClient
) -> None:
    slow = fake_slack.slow_down("chat.postMessage", 0.3)
    posting = threading.Thread(
        target=fake_slack_client.chat_postMessage, kwargs={"channel": "C0A", "text": "late"}
    )
    started = time.monotonic()
    posting.start()

    assert slow.started.wait(5)
    assert fake_slack.calls("chat.postMessage") == []  # in flight: not answered yet
    posting.join(5)
    assert time.monotonic() - started >= 0.3
    assert [m["text"] for m in fake_slack.history("C0A")] == ["late"]
    fake_slack_client.chat_postMessage(channel="C0A", text="on time")  # only the next call
    assert len(fake_slack.calls("chat.postMessage")) == 2


def test_waiting_for_a_call_that_never_comes_fails_with_what_was_seen(
    fake_slack: FakeSlack,
) -> None:
    with pytest.raises(FakeSlackTimeout, match=r"no matching chat\.update"):
        fake_slack.wait_for_call("chat.update", timeout=0.05)


# -- Socket Mode -------------------------------------------------------------------------------


def test_message_event_reaches_listener_which_replies_and_the_envelope_is_acked(
    fake_slack: FakeSlack,
) -> None:
    app = bolt_app(fake_slack)

    @app.message("password")
    def offer_article(message: JSON, say: Say) -> None:
        say(text="Reset it at https://example.com/reset", thread_ts=message["ts"])

    with socket_mode(app, fake_slack):
        event = fake_slack.payloads.message_event(
            "I forgot my password", user="U0ALICE", channel="C0HELP"
        )
        envelope_id = fake_slack.push_event(event)

        assert fake_slack.wait_for_ack(envelope_id) == {}
        reply = fake_slack.wait_for_call("chat.postMessage", lambda p: p["channel"] == "C0HELP")
    assert reply.params["thread_ts"] == event["ts"]
    assert fake_slack.calls("apps.connections.open")[0].token == fake_slack.workspace.app_token


def test_block_action_reaches_action_handler(fake_slack: FakeSlack) -> None:
    app = bolt_app(fake_slack)
    clicked: list[str] = []

    @app.action("resolved")
    def on_resolved(ack: BoltAck, body: JSON) -> None:
        ack()
        clicked.append(body["actions"][0]["value"])

    with socket_mode(app, fake_slack):
        payload = fake_slack.payloads.block_actions(
            "resolved", user_id="U0ALICE", channel_id="C0HELP", value="ticket-7"
        )
        assert fake_slack.wait_for_ack(fake_slack.push_interactive(payload)) == {}
    assert clicked == ["ticket-7"]


def test_view_submission_ack_carries_the_response_action(fake_slack: FakeSlack) -> None:
    app = bolt_app(fake_slack)

    @app.view("ticket")
    def validate(ack: BoltAck) -> None:
        ack(response_action="errors", errors={"summary": "Too short"})

    with socket_mode(app, fake_slack):
        payload = fake_slack.payloads.view_submission("ticket", user_id="U0ALICE")
        ack = fake_slack.wait_for_ack(fake_slack.push_interactive(payload))
    assert ack == {"response_action": "errors", "errors": {"summary": "Too short"}}


def test_slash_command_is_acked_with_text_and_respond_posts_to_the_fake(
    fake_slack: FakeSlack,
) -> None:
    app = bolt_app(fake_slack)

    @app.command("/ticket")
    def open_ticket(ack: BoltAck, command: JSON, respond: Respond) -> None:
        ack(f"Opening a ticket: {command['text']}")
        respond("Ticket T-1 created")

    with socket_mode(app, fake_slack):
        envelope_id = fake_slack.push_slash_command(
            "/ticket", "printer on fire", user_id="U0ALICE", channel_id="C0HELP"
        )
        assert fake_slack.wait_for_ack(envelope_id) == {"text": "Opening a ticket: printer on fire"}
        posted = fake_slack.wait_for_call("response_url")
    assert posted.params["text"] == "Ticket T-1 created"


def test_unacked_event_is_redelivered_with_the_same_event_id_and_retry_fields(
    fake_slack: FakeSlack,
) -> None:
    app = bolt_app(fake_slack)
    seen: list[tuple[str, str | None]] = []

    @app.event("app_mention")
    def on_mention(body: JSON, request: BoltRequest) -> None:
        seen.append((body["event_id"], request.headers.get("x-slack-retry-num", [None])[0]))

    with socket_mode(app, fake_slack):
        event = fake_slack.payloads.message_event(
            "<@U0TIER0BOT> help", user="U0ALICE", channel="C0HELP", event_type="app_mention"
        )
        first = fake_slack.push_event(event)
        fake_slack.wait_for_ack(first)
        retry = fake_slack.redeliver(first, reason="timeout")
        fake_slack.wait_for_ack(retry)
        envelope = fake_slack.envelope(retry)

    assert retry != first and (envelope["retry_attempt"], envelope["retry_reason"]) == (
        1,
        "timeout",
    )
    assert seen[0][0] == seen[1][0] and [s[1] for s in seen] == ["0", "1"]


def test_client_reconnects_when_slack_asks_it_to_refresh(fake_slack: FakeSlack) -> None:
    app = bolt_app(fake_slack)
    app.event("app_mention")(lambda: None)

    with socket_mode(app, fake_slack):
        fake_slack.disconnect("refresh")
        fake_slack.wait_for_connection(total=2)
        event = fake_slack.payloads.message_event(
            "hi", user="U0ALICE", channel="C0A", event_type="app_mention"
        )
        fake_slack.wait_for_ack(fake_slack.push_event(event))
    assert len(fake_slack.calls("apps.connections.open")) == 2


@pytest.mark.parametrize("how", ["close", "abort"])
def test_client_reconnects_after_the_connection_drops(
    fake_slack: FakeSlack, how: Literal["close", "abort"]
) -> None:
    app = bolt_app(fake_slack)
    app.event("app_mention")(lambda: None)

    # The builtin client notices a closed socket on its next ping tick, a dead one after 5 pings.
    with socket_mode(app, fake_slack, ping_interval=0.1):
        fake_slack.disconnect(how)
        fake_slack.wait_for_connection(total=2)
        event = fake_slack.payloads.message_event(
            "hi", user="U0ALICE", channel="C0A", event_type="app_mention"
        )
        fake_slack.wait_for_ack(fake_slack.push_event(event))


def test_envelopes_pushed_before_the_client_connects_wait_for_it(fake_slack: FakeSlack) -> None:
    app = bolt_app(fake_slack)
    app.event("app_mention")(lambda: None)
    event = fake_slack.payloads.message_event(
        "early", user="U0ALICE", channel="C0A", event_type="app_mention"
    )
    envelope_id = fake_slack.push_event(event)

    with socket_mode(app, fake_slack):
        fake_slack.wait_for_ack(envelope_id)


def test_async_bolt_over_aiohttp_socket_mode_reaches_the_fake(fake_slack: FakeSlack) -> None:
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
    from slack_bolt.async_app import AsyncApp, AsyncSay
    from slack_sdk.web.async_client import AsyncWebClient

    async def scenario() -> None:
        client = AsyncWebClient(token=fake_slack.workspace.bot_token, base_url=fake_slack.api_url)
        app = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

        @app.event("app_mention")
        async def answer(say: AsyncSay) -> None:
            await say("on it")

        handler = AsyncSocketModeHandler(app, fake_slack.workspace.app_token)
        await handler.connect_async()  # type: ignore[no-untyped-call]
        try:
            event = fake_slack.payloads.message_event(
                "hi", user="U0ALICE", channel="C0A", event_type="app_mention"
            )
            envelope_id = fake_slack.push_event(event)  # blocks only until the frame is sent
            await fake_slack.wait_for_ack_async(envelope_id)
            await fake_slack.wait_for_call_async("chat.postMessage", lambda p: p["text"] == "on it")
        finally:
            await handler.close_async()  # type: ignore[no-untyped-call]

    asyncio.run(scenario())


# -- HTTP mode ---------------------------------------------------------------------------------


def test_signed_http_requests_pass_bolt_verification_and_reach_listeners(
    fake_slack: FakeSlack,
) -> None:
    app = bolt_app(fake_slack)
    retries: list[str | None] = []

    @app.event("app_mention")
    def on_mention(say: Say, request: BoltRequest) -> None:
        retries.append(request.headers.get("x-slack-retry-num", [None])[0])
        say("hello over HTTP")

    @app.command("/ticket")
    def on_command(ack: BoltAck) -> None:
        ack("noted")

    @app.action("resolved")
    def on_action(ack: BoltAck) -> None:
        ack()

    with http_mode(app) as url:
        sender = fake_slack.http_sender(url, SIGNING_SECRET)
        assert sender.send_url_verification("abc123").json() == {"challenge": "abc123"}
        event = fake_slack.payloads.message_event(
            "hi", user="U0ALICE", channel="C0A", event_type="app_mention"
        )
        assert sender.send_event(event).status == 200
        assert sender.send_event(event, retry_num=1, retry_reason="http_timeout").status == 200
        fake_slack.wait_for_call("chat.postMessage", lambda p: p["text"] == "hello over HTTP")
        command = sender.send_slash_command("/ticket", "x", user_id="U0ALICE", channel_id="C0A")
        assert command.status == 200 and command.body == "noted"
        action = fake_slack.payloads.block_actions("resolved", user_id="U0ALICE", channel_id="C0A")
        assert sender.send_interactive(action).status == 200
    assert sorted(retries, key=str) == ["1", None]


def test_wrongly_signed_or_stale_http_requests_are_refused(fake_slack: FakeSlack) -> None:
    app = bolt_app(fake_slack)
    with http_mode(app) as url:
        honest = fake_slack.http_sender(url, SIGNING_SECRET)
        forger = fake_slack.http_sender(url, "not-the-secret")
        event = fake_slack.payloads.message_event("hi", user="U0ALICE", channel="C0A")

        assert forger.send_event(event).status == 401
        assert honest.post(b"{}", "application/json", timestamp=1_600_000_000).status == 401
        assert honest.post(b"{}", "application/json", signature="v0=deadbeef").status == 401


def test_http_sender_refuses_to_leave_the_machine(fake_slack: FakeSlack) -> None:
    with pytest.raises(ValueError, match="off the machine"):
        fake_slack.http_sender("https://example.com/slack/events", SIGNING_SECRET)
