"""Drill: ``tier0 run`` killed with SIGKILL while it handles a message, then started again.

Each round: a person writes in a DM on the fake Slack (Socket Mode, 127.0.0.1); once the
event is acknowledged the process is killed with SIGKILL after a random delay of up to
``--max-delay`` seconds (before, during or after handling and sending), and started
again on the same database. The drill then waits until the message was answered and
counts the answers: exactly one is right. A message left unhandled is replayed once it is
older than ``bot.delivery.replay.REPLAY_AFTER`` (30 s), so a round can take that long.

Run (one command)::

    python -m bench.drills.sigkill [--rounds 8] [--max-delay 0.4] [--seed 8]

Outcome: JSON + Markdown in bench/drills/results/sigkill.{json,md}: per round the kill
delay, the answers the person got and the seconds to the answer after the restart.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fakes.slack_server import FakeSlack
from tests.service.conftest import Service
from tests.service.slack_people import SlackPeople

RESULTS = Path(__file__).resolve().parent / "results"
ANSWERED = "Did this solve your problem?"
QUESTION = "my vpn won't connect"


def drill(rounds: int, max_delay: float, seed: int, wait: float) -> dict[str, Any]:
    chance = random.Random(seed)
    outcome: list[dict[str, Any]] = []
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        service = Service(cwd, f"sqlite:///{cwd / 'tier0.db'}", slack)
        talk = SlackPeople(slack)
        for number in range(rounds):
            person = f"U0K{number:04d}"
            slack.add_user(person, person.lower())
            dm = talk.dm(person)
            delay = round(chance.uniform(0, max_delay), 3)
            process = service.start()
            talk.say(person, f"{QUESTION} ({number})", dm)
            time.sleep(delay)
            process.kill()
            restarted = service.start()
            began = time.monotonic()
            while not talk.sent(dm, ANSWERED) and time.monotonic() - began < wait:
                time.sleep(0.25)
            to_answer = time.monotonic() - began
            time.sleep(2)  # room for a duplicate to show up
            restarted.terminate()
            answers = len(talk.sent(dm, ANSWERED))
            outcome.append(
                {
                    "round": number,
                    "kill_after_ack_seconds": delay,
                    "answers": answers,
                    "seconds_to_answer_after_restart": round(to_answer, 1) if answers else None,
                }
            )
    return {
        "rounds": rounds,
        "answered_once": sum(1 for r in outcome if r["answers"] == 1),
        "answered_more_than_once": sum(1 for r in outcome if r["answers"] > 1),
        "never_answered": sum(1 for r in outcome if r["answers"] == 0),
        "per_round": outcome,
        "python": sys.version.split()[0],
        "machine": platform.platform(),
    }


def markdown(result: dict[str, Any], command: str) -> str:
    rows = "\n".join(
        f"| {r['round']} | {r['kill_after_ack_seconds']} | {r['answers']} | "
        f"{r['seconds_to_answer_after_restart']} |"
        for r in result["per_round"]
    )
    return (
        "# Drill: SIGKILL while handling a message\n\n"
        f"Command: `{command}`\n\n"
        f"Rounds {result['rounds']}: answered once {result['answered_once']}, more than once "
        f"{result['answered_more_than_once']}, never {result['never_answered']}.\n\n"
        "| round | killed this long after the ack (s) | answers | s to the answer after "
        "the restart |\n|---|---|---|---|\n" + rows + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--max-delay", type=float, default=0.4)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--wait", type=float, default=90.0, help="for an answer, per round")
    args = parser.parse_args(argv)
    result = drill(args.rounds, args.max_delay, args.seed, args.wait)
    command = (
        f"python -m bench.drills.sigkill --rounds {args.rounds} "
        f"--max-delay {args.max_delay} --seed {args.seed}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "sigkill.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "sigkill.md").write_text(markdown(result, command))
    print(markdown(result, command))
    return 0 if result["answered_once"] == result["rounds"] else 1


if __name__ == "__main__":
    sys.exit(main())
