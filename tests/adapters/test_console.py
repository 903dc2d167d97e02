"""The console adapter as a person uses it: lines typed in, a transcript printed back.

Most tests drive ``ConsoleChat`` with the real engine on a throwaway SQLite file and read
the plain-text output; one runs the installed ``tier0 chat`` with piped input.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsoleChat, lines_reader
from adapters.console.session import DueJobs
from bot.actions import Action, Button, Reply
from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.events import ButtonPressed, CommandIssued, Event, MessageReceived, Person, Place
from bot.jobs.runner import Jobs
from bot.settings import Settings
from kb import KnowledgeBase, LoadError, load_articles
from tests.support import databases
from tests.support.chat import FakeClock
from tier0.cli.chat import cmd_chat
from tier0.cli.main import build_parser

REPO = Path(__file__).resolve().parents[2]
MAIN = Place("console", "main")
ALICE_DESK = Place("console", "agent:alice")
VPN = "my vpn keeps dropping"
NO_MATCH = "the kitchen tap is leaking"


@pytest.fixture(scope="module")
def sample_kb() -> KnowledgeBase:
    loaded = load_articles(Settings().kb.paths)
    return KnowledgeBase.build(loaded.articles)


class Transcript:
    """A console session on the real engine; ``type`` returns what the lines printed."""

    def __init__(self, engine: Engine, due_jobs: DueJobs | None = None) -> None:
        self.out = io.StringIO()
        console = Console(file=self.out, force_terminal=False, width=100)
        self.chat = ConsoleChat(
            engine.handle, engine.outbox.delivered, Settings(), console, due_jobs=due_jobs
        )

    def type(self, *lines: str) -> str:
        start = self.out.tell()
        for line in lines:
            assert self.chat.feed(line), f"session ended at {line!r}"
        return self.out.getvalue()[start:]


@pytest.fixture
def console_chat(
    sample_kb: KnowledgeBase, tmp_path: Path, _sqlite_template: Path
) -> Iterator[Transcript]:
    database = databases.sqlite_database(_sqlite_template, tmp_path)
    yield Transcript(Engine(Settings(), sample_kb, database.unit_of_work, FakeClock()))
    database.close()


def test_sla_reminders_and_nudges_show_up_in_the_console(
    sample_kb: KnowledgeBase, tmp_path: Path, _sqlite_template: Path
) -> None:
    database = databases.sqlite_database(_sqlite_template, tmp_path)
    clock = FakeClock()  # Monday 2 March 2026, 09:00 UTC: the desk is open
    engine = Engine(Settings(), sample_kb, database.unit_of_work, clock)
    session = Transcript(engine, Jobs(Settings(), database.unit_of_work, clock).sweep)
    session.type(NO_MATCH)

    clock.advance(hours=2, minutes=1)  # half of the 4 h first-response target of "normal"
    reminded = session.type("/help")
    session.type("/as alice reply T-1 is the tap dripping or running?")
    clock.advance(hours=24, minutes=1)
    nudged = session.type("/as alice tickets")
    database.close()

    assert "[agents · T-1] reminder: T-1 (normal) is still unclaimed" in reminded
    assert "[main] bot: Is ticket T-1 sorted?" in nudged


class Recorder:
    """Stands in for the engine: keeps the events and answers with canned actions."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.answer: list[Action] = []
        self.delivered_ids: list[int] = []

    def __call__(self, event: Event) -> list[Delivery]:
        self.events.append(event)
        return [Delivery(n, action) for n, action in enumerate(self.answer, start=1)]

    def delivered(self, ids: Iterable[int]) -> None:
        self.delivered_ids.extend(ids)


def recorded(*lines: str, persona: str = "you") -> tuple[Recorder, ConsoleChat, str]:
    recorder = Recorder()
    out = io.StringIO()
    chat = ConsoleChat(
        recorder, recorder.delivered, Settings(), Console(file=out, width=100), persona=persona
    )
    for line in lines:
        chat.feed(line)
    return recorder, chat, out.getvalue()


# -- with the real engine ----------------------------------------------------------------


def test_a_question_is_answered_and_1_presses_solved(console_chat: Transcript) -> None:
    shown = console_chat.type(VPN)
    assert "[main] bot: VPN keeps dropping or disconnecting" in shown
    assert "Did this solve your problem?" in shown
    assert "[1] Solved  [2] Still need help" in shown

    assert "Glad that helped!" in console_chat.type("1")


def test_a_question_nothing_matches_opens_a_ticket(console_chat: Transcript) -> None:
    shown = console_chat.type(NO_MATCH)
    assert "I opened ticket T-1 for you" in shown
    assert "[agents] T-1 · open · Service desk · normal · unassigned" in shown
    assert f"“{NO_MATCH}” (posted to the Service desk queue)" in shown


def test_a_new_card_lists_what_the_bot_tried_for_the_agent_to_see(
    console_chat: Transcript,
) -> None:
    console_chat.type(VPN)

    card = " ".join(console_chat.type("2").split())  # as read, however the lines wrapped

    assert f"“{VPN}” (posted to the Service desk queue) Bot tried: - VPN keeps dropping" in card
    assert re.search(r"\(vpn-keeps-disconnecting\) · \d+% sure · answered with: did not help", card)


def test_a_card_says_when_the_bot_tried_nothing(console_chat: Transcript) -> None:
    card = " ".join(console_chat.type(NO_MATCH).split())

    assert "Bot tried: - nothing: no article was shown" in card


def test_one_person_plays_the_whole_loop(console_chat: Transcript) -> None:
    console_chat.type(NO_MATCH)

    claimed = console_chat.type("/as alice claim T-1")
    assert "[agents] T-1 · claimed · Service desk · normal · alice" in claimed
    assert "[main] bot: alice from the Service desk team is looking at your ticket T-1." in claimed
    assert "[agent:alice] bot: You claimed T-1." in claimed

    replied = console_chat.type("/as agent:alice reply T-1 try turning the valve off")
    assert "[main] alice (agent): try turning the valve off" in replied
    assert "[agent:alice] bot: Sent to the requester of T-1." in replied

    assert "[agents · T-1] you: it is still dripping" in console_chat.type("it is still dripping")

    resolved = console_chat.type("/as alice resolve T-1")
    assert "[main] bot: Your ticket T-1 has been marked as resolved." in resolved
    assert "[1]  [2]  [3]  [4]  [5]  [6] Reopen" in resolved

    rated = console_chat.type("5")
    assert "Thanks for rating T-1 5/5." in rated
    assert "[1] Skip" in rated
    assert "your comment was added to T-1" in console_chat.type("quick and friendly, thanks")


def test_a_new_question_beside_an_open_ticket_is_answered_and_one_number_adds_it(
    console_chat: Transcript,
) -> None:
    console_chat.type(NO_MATCH)

    shown = console_chat.type(VPN)
    assert "[main] bot: VPN keeps dropping or disconnecting" in shown
    assert "[1] Solved  [2] Still need help  [3] Add to T-1 instead" in shown
    assert "[agents" not in shown

    added = console_chat.type("3")
    assert f"[agents · T-1] you: {VPN}" in added
    assert "Added to ticket T-1" in added


def test_when_nothing_fits_beside_an_open_ticket_the_console_asks_which(
    console_chat: Transcript,
) -> None:
    console_chat.type(NO_MATCH)

    asked = console_chat.type("the parking barrier will not lift")
    assert "Is it about your ticket T-1" in asked
    assert "[1] Add to T-1  [2] Open a new ticket" in asked

    assert "[agents · T-1] you: the parking barrier will not lift" in console_chat.type("1")


def test_a_requester_claiming_is_refused_only_to_them(console_chat: Transcript) -> None:
    console_chat.type(NO_MATCH)
    shown = console_chat.type("/claim T-1")
    assert "[main] bot → you (only you see this): Only support agents can do that." in shown
    assert "[agents]" not in shown


def test_agent_commands_work_with_or_without_the_slash(console_chat: Transcript) -> None:
    console_chat.type(NO_MATCH)
    assert "You claimed T-1." in console_chat.type("/as alice /claim T-1")
    escalated = console_chat.type("/as bob escalate T-1 needs the plumbers")
    assert "escalated to Specialists: needs the plumbers" in escalated
    assert "[main] bot: Your ticket T-1 has been passed to the Specialists team." in escalated


def test_user_switches_who_is_speaking(console_chat: Transcript) -> None:
    console_chat.type(NO_MATCH)
    assert "now speaking as alice (agent, Service desk, in agent:alice)" in console_chat.type(
        "/user alice"
    )
    assert "You claimed T-1." in console_chat.type("claim T-1")
    console_chat.type("/user you")
    assert "[agents · T-1] you: any news?" in console_chat.type("any news?")  # just claimed


def test_help_comes_from_the_engine_plus_the_console_line(console_chat: Transcript) -> None:
    shown = console_chat.type("/help")
    assert "[main] bot: Ask me a question in your own words" in shown
    assert "In this console: /as NAME LINE, /user NAME" in shown


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        "x" * 40_000,
        "vpn " * 10_000,
        "\x00\x01\x02\xff\xfe binary \x1b[31m junk \x7f",
        "my 🖨️ printer 🔥🔥 is on fire 😭",
        "الطابعة لا تعمل",
        "המדפסת לא עובדת vpn",
        "[bold red]not markup[/] :smile: @everyone",
        "/",
        "/as",
        "/as alice",
        "/user",
        "/as alice /quit",
        "/nonsense 'unbalanced",
        "99",
        "0",
        "²",
    ],
)
def test_bad_input_never_crashes(console_chat: Transcript, line: str) -> None:
    assert "went wrong" not in console_chat.type(line)
    assert "[main] bot: Ask me a question" in console_chat.type("/help")


def test_user_text_is_printed_as_typed_not_as_markup(console_chat: Transcript) -> None:
    console_chat.type(NO_MATCH)
    console_chat.type("see [bold]C:\\Users\\me[/bold] :smile: \x1b[2J")  # asked: T-1 or new?
    shown = console_chat.type("1")
    assert "[agents · T-1] you: see [bold]C:\\Users\\me[/bold] :smile: [2J" in shown
    assert "\x1b" not in shown


def test_a_typed_line_is_echoed_without_bidi_overrides_or_c1_controls(
    console_chat: Transcript,
) -> None:
    shown = console_chat.type("invoice\u202efdp.exe \x85next")
    assert "invoice" in shown and "fdp.exe" in shown
    assert "\u202e" not in shown and "\x85" not in shown


# -- translation, against a stand-in engine ----------------------------------------------


def test_lines_become_events_for_the_right_person_and_place() -> None:
    recorder, _, _ = recorded(
        "hello there", "hello there", "/as agent:Alice reply T-1 it's fine", "/tickets"
    )
    first, again, reply, tickets = recorder.events
    assert isinstance(first, MessageReceived) and isinstance(again, MessageReceived)
    you = Person("console", "you")
    assert (first.person, first.place, first.text) == (you, MAIN, "hello there")
    assert first.message_id != again.message_id and first.event_id != again.event_id
    assert reply == CommandIssued(
        Person("console", "alice"), ALICE_DESK, "reply", ("T-1", "it's", "fine"), reply.event_id
    )
    assert isinstance(tickets, CommandIssued) and tickets.place == MAIN


def test_arguments_are_split_quote_aware_keeping_backslashes() -> None:
    recorder, _, _ = recorded('/as alice note T-1 "two words" C:\\Temp #42')
    (note,) = recorder.events
    assert isinstance(note, CommandIssued)
    assert note.args == ("T-1", "two words", "C:\\Temp", "#42")


def test_other_requesters_get_a_place_of_their_own() -> None:
    recorder, _, _ = recorded("/as carol hi there", "/as you hello")
    carol, you = recorder.events
    assert carol.place == Place("console", "user:carol") and you.place == MAIN


def test_requester_words_that_look_like_commands_stay_words() -> None:
    recorder, _, _ = recorded("reply to all is greyed out in outlook")
    assert isinstance(recorder.events[0], MessageReceived)


def test_a_number_presses_the_button_offered_to_that_persons_place() -> None:
    recorder = Recorder()
    out = io.StringIO()
    chat = ConsoleChat(recorder, recorder.delivered, Settings(), Console(file=out, width=100))
    chat.show(
        [
            Reply(MAIN, "Pick one", (Button("Solved", "solved", "a1"), Button("No", "nope", "a1"))),
            Reply(ALICE_DESK, "Agent choice", (Button("Claim", "claim", "T-1"),)),
        ]
    )
    chat.feed("2")
    chat.feed("/as alice 1")
    chat.feed("7")
    mine, alices = recorder.events
    assert isinstance(mine, ButtonPressed) and (mine.action, mine.place) == ("nope", MAIN)
    assert isinstance(alices, ButtonPressed)
    assert (alices.action, alices.value, alices.place) == ("claim", "T-1", ALICE_DESK)
    assert "There is no button 7 here; pick 1 to 2." in out.getvalue()


def test_a_number_with_no_buttons_on_offer_is_just_a_message() -> None:
    recorder, _, _ = recorded("3")
    assert isinstance(recorder.events[0], MessageReceived)


def test_quit_and_end_of_input_end_the_session_cleanly() -> None:
    recorder = Recorder()
    chat = ConsoleChat(recorder, recorder.delivered, Settings(), Console(file=io.StringIO()))
    assert chat.run(lines_reader(["hi\n", "/quit\n", "never sent\n"])) == 0
    assert [e.text for e in recorder.events if isinstance(e, MessageReceived)] == ["hi"]
    assert chat.run(lines_reader([])) == 0


def test_intro_warns_about_knowledge_base_errors_once() -> None:
    out = io.StringIO()
    recorder = Recorder()
    chat = ConsoleChat(recorder, recorder.delivered, Settings(), Console(file=out, width=200))
    chat.intro([LoadError(Path("kb/broken.md"), "missing title")])
    shown = out.getvalue()
    assert shown.count("warning: knowledge base: kb/broken.md: missing title") == 1
    assert "/as NAME LINE" in shown and "/user NAME" in shown and "/quit" in shown
    assert "agents: alice, bob" in shown


# -- the real command --------------------------------------------------------------------


def test_tier0_chat_answers_piped_input_and_exits_0(tmp_path: Path) -> None:
    tier0 = Path(sys.executable).with_name("tier0")
    command = [str(tier0)] if tier0.exists() else [sys.executable, "-m", "tier0"]
    env = {k: v for k, v in os.environ.items() if k != "TIER0_CONFIG"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'chat.db'}"
    # The checkout first on the path, whatever state the editable install is in.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    stdin = VPN.encode() + b"\n1\n\xff\xfe not utf-8\n" + NO_MATCH.encode() + b"\n"
    result = subprocess.run(
        [*command, "chat"], input=stdin, capture_output=True, cwd=tmp_path, env=env, timeout=60
    )
    out = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert f"you> {VPN}\n[main] bot: VPN keeps dropping or disconnecting" in out
    assert "you> 1\n[main] bot: Glad that helped!" in out
    assert "I opened ticket T-1 for you" in out
    assert (tmp_path / "chat.db").exists()


def test_tier0_chat_can_start_as_an_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TIER0_CONFIG", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'chat.db'}")
    out = io.StringIO()
    args = build_parser().parse_args(["chat", "--as", "agent:alice"])
    code = cmd_chat(args, Console(file=out, width=100), io.StringIO("/tickets\n/quit\nhi\n"))
    assert code == 0
    assert "You are alice (agent, Service desk, in agent:alice)" in out.getvalue()
    assert "alice> /tickets\n[agent:alice] bot: No open tickets.\nalice> /quit\n" in out.getvalue()
    assert "hi" not in out.getvalue().split("alice> /quit")[1]
