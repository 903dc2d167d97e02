"""Slack HTTP mode against requests that are not Slack's, through a real ``tier0 run``.

Anyone who can reach the port can POST to it. A request without a valid signature is
refused with 401 before anything of its body is read (its signature is checked on the raw
bytes) or logged (one short line, at most once a minute per status), an oversized one with
413, and a signed body that cannot be a Slack payload (not UTF-8, not a JSON object, nested
past any real payload, not shaped like Slack's: ``"event": null``, a slash command without
its user) with 400: never a traceback, a 500 or a log line of the sender's making. One
process serves the whole module, logging at DEBUG, the most it ever says.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import pytest

from adapters.slack.http_guard import RefusalLog, Refused
from tests.adapters.slack.harness import DAN, ERIN, SPECIALISTS_GROUP, seed_directory
from tests.fakes.slack.http_mode import HttpReply, SignedHttpSender
from tests.fakes.slack.payloads import PayloadFactory
from tests.fakes.slack_server import FakeSlack
from tests.service.conftest import Service
from tests.service.process import Tier0Process
from tests.service.slack_people import SlackPeople

SIGNING_SECRET = "unsigned-requests-test-secret"
FORGED_SIGNATURE = "v0=" + "0" * 64
FORGED_LINE = "2026-12-07 18:00:00,000 ERROR tier0.service: FORGED LINE"
MEGABYTE = 1_000_000
QUESTION = "my vpn won't connect from the Lisbon office"


@dataclass
class HttpTier0:
    """A ``tier0 run`` in Slack HTTP mode, and a sender that signs like Slack."""

    process: Tier0Process
    signed: SignedHttpSender

    def unsigned(self, body: bytes, content_type: str = "application/json") -> HttpReply:
        return self.signed.post(body, content_type, signature=FORGED_SIGNATURE)

    def lines_since(self, count: int) -> list[str]:
        return self.process.output.splitlines()[count:]

    def tracebacks(self, since: int) -> list[str]:
        return [line for line in self.lines_since(since) if "Traceback" in line]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        seed_directory(fake)
        fake.world.add_usergroup(SPECIALISTS_GROUP, "specialists", [ERIN])
        yield fake


@pytest.fixture(scope="module")
def tier0(slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpTier0]:
    cwd = tmp_path_factory.mktemp("tier0-http")
    process = Service(cwd, f"sqlite:///{cwd / 'tier0.db'}", slack).process()
    process.env |= {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "TIER0__SERVICE__LOG_LEVEL": "DEBUG",
        "TIER0__SLACK__MODE": "http",
        "TIER0__SLACK__HTTP_HOST": "127.0.0.1",
        "TIER0__SLACK__HTTP_PORT": str(free_port()),
    }
    with process.start(["tier0 ready:", r"slack: ready \(http mode"]):
        ready = process.wait_for_line(r"slack: ready \(http mode on (\S+),")
        where = re.search(r"on (\S+),", ready)
        assert where is not None
        yield HttpTier0(process, slack.http_sender(f"http://{where[1]}", SIGNING_SECRET))


def refusals(tier0: HttpTier0, status: int) -> list[str]:
    pattern = re.compile(rf" WARNING adapters\.slack\.http: .* from 127\.0\.0\.1 with {status}: ")
    return [line for line in tier0.process.output.splitlines() if pattern.search(line)]


def settled(tier0: HttpTier0) -> int:
    """The number of lines logged so far, once the process has logged what it will."""
    time.sleep(0.3)  # nothing to wait on: the point is that no line comes
    return len(tier0.process.output.splitlines())


def test_thirty_unsigned_megabyte_posts_add_at_most_a_few_log_lines(tier0: HttpTier0) -> None:
    before = settled(tier0)
    body = b'{"type": "event_callback", "pad": "' + b"x" * MEGABYTE + b'"}'

    statuses = {tier0.unsigned(body).status for _ in range(30)}

    assert statuses == {401}
    added = tier0.lines_since(before)
    assert len(added) <= 1 and all(len(line) < 200 for line in added), added
    assert refusals(tier0, 401)


def test_a_forged_log_line_in_a_body_stays_inside_one_line(tier0: HttpTier0) -> None:
    before = settled(tier0)
    forged = f'{{"type": "event_callback", "text": "\n{FORGED_LINE}\n"}}'.encode()

    unsigned = tier0.unsigned(forged)
    signed = tier0.signed.post(forged, "application/json")  # a raw line break: not JSON

    assert (unsigned.status, signed.status) == (401, 400)
    settled(tier0)
    assert [line for line in tier0.lines_since(before) if line.startswith(FORGED_LINE)] == []


@pytest.mark.parametrize(
    ("body", "timestamp"),
    [
        pytest.param(b'{"type": "event_callback", ', None, id="bad-json"),
        pytest.param(b"payload=%7Bnot-json", None, id="bad-form-payload"),
        pytest.param(b'{"type": "url_verification"}', "soon", id="non-numeric-timestamp"),
        pytest.param(b'{"type": "url_verification"}', "9" * 5000, id="huge-timestamp"),
    ],
)
def test_unsigned_malformed_requests_get_401_without_a_traceback(
    tier0: HttpTier0, body: bytes, timestamp: str | None
) -> None:
    before = settled(tier0)
    headers = {} if timestamp is None else {"X-Slack-Request-Timestamp": timestamp}
    content_type = "application/x-www-form-urlencoded" if body.startswith(b"payload") else ""

    reply = tier0.signed.post(
        body, content_type or "application/json", signature=FORGED_SIGNATURE, headers=headers
    )

    assert reply.status == 401
    assert tier0.tracebacks(before) == []


def test_an_unsigned_request_without_slack_headers_gets_401(tier0: HttpTier0) -> None:
    before = settled(tier0)
    reply = tier0.signed.post(
        b"{}",
        "application/json",
        headers={"X-Slack-Signature": "", "X-Slack-Request-Timestamp": ""},
    )

    assert reply.status == 401
    assert tier0.tracebacks(before) == []


DEEP = 100_000


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        pytest.param(b'{"type": "event_callback", "x": "\xff\xfe"}', "application/json", id="utf8"),
        pytest.param(b'{"a":' * DEEP + b"1" + b"}" * DEEP, "application/json", id="100k-deep-json"),
        pytest.param(b"[" * DEEP + b"]" * DEEP, "application/json", id="100k-deep-array"),
        pytest.param(b'["event_callback"]', "application/json", id="json-array"),
        pytest.param(b'"event_callback"', "application/json", id="json-string"),
        pytest.param(b"{not json", "application/json", id="bad-json"),
        pytest.param(
            b"payload=" + quote("[1, 2]").encode(),
            "application/x-www-form-urlencoded",
            id="form-payload-not-an-object",
        ),
        pytest.param(
            b"payload=%7Bbad", "application/x-www-form-urlencoded", id="form-payload-bad-json"
        ),
    ],
)
def test_malformed_signed_bodies_get_400_and_at_most_one_log_line(
    tier0: HttpTier0, body: bytes, content_type: str
) -> None:
    before = settled(tier0)

    reply = tier0.signed.post(body, content_type)

    assert reply.status == 400
    settled(tier0)
    added = tier0.lines_since(before)
    assert len(added) <= 1 and all(len(line) < 200 for line in added), added
    assert refusals(tier0, 400)
    assert tier0.tracebacks(before) == []


def test_a_body_over_the_limit_is_refused_with_413(tier0: HttpTier0) -> None:
    before = settled(tier0)
    reply = tier0.signed.post(b"{" + b" " * (2 * 1024 * 1024) + b"}", "application/json")

    assert reply.status == 413
    assert tier0.tracebacks(before) == []


def test_a_signed_event_is_answered_after_refusals_and_no_library_logs_its_text(
    tier0: HttpTier0, slack: FakeSlack
) -> None:
    """slack_sdk and Bolt log whole requests and answers at DEBUG: with tier0 at DEBUG
    they stay at INFO."""
    before = settled(tier0)
    tier0.unsigned(b"{")
    tier0.signed.post(b"[]", "application/json")
    people = SlackPeople(slack)
    dm = people.dm(DAN)
    event = slack.payloads.message_event(QUESTION, user=DAN, channel=dm)
    slack.world.store_message(dm, dict(event))

    reply = tier0.signed.send_event(event)

    assert reply.status == 200
    people.posted(dm, "Did this solve your problem?")
    logged = tier0.process.output
    assert " DEBUG " in logged  # the process logs as much as it ever does
    assert re.findall(r".* DEBUG (?:slack_sdk|slack_bolt|discord)\b.*", logged) == []
    assert QUESTION not in logged and "Did this solve" not in logged
    assert tier0.tracebacks(before) == []


def test_refusals_are_reported_once_a_minute_per_status_with_a_count_of_the_rest(
    caplog: pytest.LogCaptureFixture,
) -> None:
    now = [0.0]
    refusals_log = RefusalLog(interval=60.0, clock=lambda: now[0])
    unsigned, malformed = Refused(401, "a wrong Slack signature"), Refused(400, "not JSON")

    for _ in range(30):
        refusals_log.refused(unsigned, "192.0.2.7")
    refusals_log.refused(malformed, "192.0.2.7")
    now[0] = 61.0
    refusals_log.refused(unsigned, "192.0.2.8")

    assert [r.getMessage() for r in caplog.records] == [
        "slack: refused a request from 192.0.2.7 with 401: a wrong Slack signature",
        "slack: refused a request from 192.0.2.7 with 400: not JSON",
        "slack: refused a request from 192.0.2.8 with 401: a wrong Slack signature"
        " (and 29 more with 401 since the last report)",
    ]


def test_an_unsigned_body_that_is_not_utf8_gets_401_before_it_is_read(tier0: HttpTier0) -> None:
    """The signature is checked on the raw bytes first: nothing of an unsigned body is read."""
    before = settled(tier0)

    reply = tier0.unsigned(b'{"type": "event_callback", "x": "\xff\xfe"}')

    assert reply.status == 401
    assert tier0.tracebacks(before) == []


Shape = Callable[[PayloadFactory], tuple[bytes, str]]
FORM = "application/x-www-form-urlencoded"


def event(value: object) -> Shape:
    """An event callback as Slack sends it, but with ``event`` replaced by ``value``."""

    def body(payloads: PayloadFactory) -> tuple[bytes, str]:
        message = payloads.message_event(QUESTION, user=DAN, channel="D0DAN")
        callback = payloads.event_callback(message) | {"event": value}
        return json.dumps(callback).encode(), "application/json"

    return body


def interactive(kind: str, **changes: object) -> Shape:
    """A button press or a modal submission as Slack sends it, with ``changes``."""

    def body(payloads: PayloadFactory) -> tuple[bytes, str]:
        if kind == "block_actions":
            payload = payloads.block_actions("tier0:button:solved:0", user_id=DAN, channel_id="D0")
        else:
            payload = payloads.view_submission("tier0_article", user_id=DAN)
        payload |= changes
        return urlencode({"payload": json.dumps(payload)}).encode(), FORM

    return body


def command_without(field: str, *, empty: bool = False) -> Shape:
    """A slash command whose ``field`` is missing, or (``empty``) present and empty."""

    def body(payloads: PayloadFactory) -> tuple[bytes, str]:
        fields = payloads.slash_command("/tier0", "new printer jam", user_id=DAN, channel_id="C0")
        if empty:
            fields[field] = ""
        else:
            del fields[field]
        return urlencode(fields).encode(), FORM

    return body


def raw(body: bytes, content_type: str) -> Shape:
    return lambda _: (body, content_type)


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(event(None), id="event-null"),
        pytest.param(event([1]), id="event-list"),
        pytest.param(event("message"), id="event-string"),
        pytest.param(event({"user": DAN, "text": QUESTION}), id="event-without-type"),
        pytest.param(interactive("block_actions", actions=None), id="actions-null"),
        pytest.param(interactive("block_actions", actions="x"), id="actions-string"),
        pytest.param(interactive("block_actions", actions=[]), id="actions-empty"),
        pytest.param(interactive("block_actions", actions=[1]), id="actions-of-numbers"),
        pytest.param(interactive("block_actions", actions=[{"value": "1"}]), id="no-action-id"),
        pytest.param(interactive("block_actions", user="U0DAN"), id="user-string"),
        pytest.param(interactive("block_actions", trigger_id=None), id="no-trigger-id"),
        pytest.param(interactive("view_submission", view="x"), id="view-string"),
        pytest.param(interactive("view_submission", view=None), id="view-null"),
        pytest.param(interactive("view_submission", user=None), id="view-without-user"),
        pytest.param(command_without("user_id"), id="command-without-user"),
        pytest.param(command_without("user_id", empty=True), id="command-with-empty-user"),
        pytest.param(command_without("channel_id"), id="command-without-channel"),
        pytest.param(command_without("text"), id="command-without-text"),
        pytest.param(raw(b"", "application/json"), id="empty-body"),
        pytest.param(raw(b"", FORM), id="empty-form"),
        pytest.param(raw(b"token=x&team_id=T0", FORM), id="form-without-payload"),
        pytest.param(raw(b'{"token": "x"}', "application/json"), id="object-without-type"),
        pytest.param(raw(b'{"type": 7}', "application/json"), id="type-not-a-string"),
    ],
)
def test_signed_requests_not_shaped_like_slacks_get_400_and_one_line(
    tier0: HttpTier0, slack: FakeSlack, shape: Shape
) -> None:
    """What Bolt and tier0's listeners read is checked before they read it: an event is an
    object with a type, actions a list of objects with an action_id, a view an object, a
    slash command has its user, channel and text."""
    before = settled(tier0)
    body, content_type = shape(slack.payloads)

    reply = tier0.signed.post(body, content_type)

    assert reply.status == 400
    settled(tier0)
    added = tier0.lines_since(before)
    assert len(added) <= 1 and all(len(line) < 200 for line in added), added
    assert refusals(tier0, 400)
    assert tier0.tracebacks(before) == []


UNKNOWN_ACTION = "evil_action\n[Suggestion] forged line"


@pytest.mark.parametrize(
    "shape",
    [
        pytest.param(interactive("block_actions", actions=[{"action_id": UNKNOWN_ACTION}])),
        pytest.param(raw(b'{"type": "evil_type\\n[Suggestion] forged line"}', "application/json")),
    ],
    ids=["unknown-action-id", "unknown-type"],
)
def test_unhandled_signed_requests_are_logged_in_one_short_line_at_most_once_a_minute(
    tier0: HttpTier0, slack: FakeSlack, shape: Shape
) -> None:
    """Bolt's own warning for a request no listener takes spans lines of example code and
    repeats the sender's action id; for a flood of them, tier0 says one line a minute."""
    before = settled(tier0)
    body, content_type = shape(slack.payloads)

    statuses = {tier0.signed.post(body, content_type).status for _ in range(5)}

    assert statuses <= {200, 404}
    settled(tier0)
    logged = tier0.process.output
    added = tier0.lines_since(before)
    assert len(added) <= 1 and all(len(line) < 200 for line in added), added
    assert "forged" not in logged and "[Suggestion]" not in logged
    assert re.search(r"from Slack with 404: no listener takes a (block_actions )?request", logged)
    assert tier0.tracebacks(before) == []


def test_a_command_from_someone_slack_does_not_know_is_one_log_line_not_a_traceback(
    tier0: HttpTier0, slack: FakeSlack
) -> None:
    """A deactivated user, or one from another workspace: Slack refuses to look them up."""
    before = settled(tier0)
    fields = slack.payloads.slash_command("/tier0", "help", user_id="U0NOSUCH", channel_id="C0")

    tier0.signed.post(urlencode(fields).encode(), FORM)

    deadline = time.monotonic() + 10
    while not any(
        "U0NOSUCH" in line or "user_not_found" in line for line in tier0.lines_since(before)
    ):
        assert time.monotonic() < deadline, tier0.lines_since(before)
        time.sleep(0.1)
    settled(tier0)
    assert tier0.tracebacks(before) == []
