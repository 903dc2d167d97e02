"""The inbox keeps a payload from before it is acknowledged until it is handled, across a
SIGKILL, and hands a dead process's payloads to exactly one living process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage.inbox import Inbox

RECORDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from storage.inbox import Inbox

    inbox = Inbox(Path(sys.argv[1]), "slack")
    handled = inbox.record("handled before the kill")
    inbox.record("first unhandled")
    inbox.record("second unhandled")
    inbox.forget(handled)
    print("recorded", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that recorded three payloads, handled one, and is still running."""
    process = subprocess.Popen(
        [sys.executable, "-c", RECORDER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "recorded\n"
        yield process
    finally:
        process.kill()
        process.wait()


def test_a_living_process_keeps_its_payloads_to_itself(
    recorder: subprocess.Popen[str], tmp_path: Path
) -> None:
    inbox = Inbox(tmp_path, "slack")
    assert list(inbox.orphans()) == []
    inbox.close()


def test_what_a_killed_process_did_not_handle_is_adopted_once_in_order(
    recorder: subprocess.Popen[str], tmp_path: Path
) -> None:
    os.kill(recorder.pid, signal.SIGKILL)
    recorder.wait()
    survivor = Inbox(tmp_path, "slack")

    adopted = [entry.payload for entry in survivor.orphans()]

    assert adopted == ["first unhandled", "second unhandled"]
    assert list(survivor.orphans()) == []  # the dead process's file is gone
    assert list(Inbox(tmp_path, "slack").orphans()) == []


def test_two_survivors_never_adopt_the_same_file(
    recorder: subprocess.Popen[str], tmp_path: Path
) -> None:
    os.kill(recorder.pid, signal.SIGKILL)
    recorder.wait()
    first, second = Inbox(tmp_path, "slack"), Inbox(tmp_path, "slack")

    adopting = first.orphans()
    assert next(adopting).payload == "first unhandled"  # first is part-way through the file
    assert list(second.orphans()) == []
    assert [entry.payload for entry in adopting] == ["second unhandled"]


def test_an_adopter_that_fails_part_way_leaves_the_file_for_the_next(tmp_path: Path) -> None:
    dead = Inbox(tmp_path, "slack")
    dead.record("payload")
    dead.close()  # still holds a payload: stays for the next process

    adopting = Inbox(tmp_path, "slack").orphans()
    assert next(adopting).payload == "payload"
    adopting.close()  # the adopter stopped before asking for more

    assert [entry.payload for entry in Inbox(tmp_path, "slack").orphans()] == ["payload"]


def test_a_clean_stop_with_everything_handled_leaves_no_file(tmp_path: Path) -> None:
    inbox = Inbox(tmp_path, "slack")
    inbox.forget(inbox.record("payload"))
    inbox.close()
    inbox.forget(1)  # a listener finishing after shutdown changes nothing

    assert list(tmp_path.iterdir()) == []


def test_each_platform_adopts_only_its_own_payloads(tmp_path: Path) -> None:
    other = Inbox(tmp_path, "discord")
    other.record("a discord payload")
    other.close()

    assert list(Inbox(tmp_path, "slack").orphans()) == []
    assert [e.payload for e in Inbox(tmp_path, "discord").orphans()] == ["a discord payload"]
