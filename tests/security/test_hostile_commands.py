"""Typed commands, whatever their words: parsed without raising, and every one answered
(done, or refused with a reason); none makes the engine fail."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.console.lines import Intent, Say, clean, parse_line
from bot.arguments import split_args
from bot.commands import AGENT_COMMANDS, COMMANDS
from bot.conversation.requester_commands import LANGUAGE_COMMANDS
from bot.events import CommandIssued
from tests.security.payloads import hostile_text
from tests.support.chat import Chat

ENGINE_COMMANDS = sorted(
    {command.name for command in COMMANDS}
    | LANGUAGE_COMMANDS
    | {"human", "person", "ticket", "start"}  # the engine's own other names for some
)
KEYS = st.sampled_from(["T-1", "t-1", "T-2", "T-0", "T--1", "T-1.5", "T-٣", "X-1", "T-" + "9" * 30])
ARGS = st.lists(
    st.one_of(KEYS, hostile_text, st.sampled_from(["@alice", "console:bob"])), max_size=4
)
ENGINE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@given(st.text())
def test_any_line_typed_into_the_console_has_a_meaning(line: str) -> None:
    intent = parse_line(line, bare_commands=AGENT_COMMANDS)

    assert isinstance(intent, Intent)
    if isinstance(intent, Say):
        assert intent.text == clean(intent.text)  # no terminal control characters echoed


@given(st.text())
def test_arguments_split_without_raising_into_words(text: str) -> None:
    args = split_args(text)

    assert all(isinstance(arg, str) for arg in args)
    if not any(quote in text for quote in "'\""):
        assert args == tuple(text.split())


@pytest.mark.parametrize("who", ["you", "alice", "bob"])
@ENGINE
@given(name=st.sampled_from(ENGINE_COMMANDS) | hostile_text, args=ARGS)
def test_every_command_is_answered_and_none_breaks_the_engine(
    chat: Chat, caplog: pytest.LogCaptureFixture, who: str, name: str, args: list[str]
) -> None:
    if not chat.history:
        chat.say("how do I book a meeting room in Lisbon")  # T-1 exists, asked by "you"
    caplog.clear()

    event = CommandIssued(
        chat.person(who),
        chat.place(who),
        name.lower(),
        tuple(args),
        event_id=f"c{len(chat.history)}",
    )
    bot = chat.send(event)

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert bot.actions, f"/{name} {args} by {who} got no answer"
