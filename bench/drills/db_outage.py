"""Drill: PostgreSQL unreachable for longer than Slack retries an event, under ``tier0 run``.

A ``tier0 run`` process (Socket Mode, fake Slack on 127.0.0.1) reaches PostgreSQL through
a TCP forwarder that the drill unplugs: every connection is cut and new ones refused, as
when the server restarts or the network to it fails (the shared server is never touched).
While it is unplugged, people write to the bot; Socket Mode acknowledges each event, so
Slack would never deliver them again. When the cable is plugged back in, the drill waits
(sending nothing more) until every message was answered, and counts.

Run (one command)::

    python -m bench.drills.db_outage [--outage-seconds 330] [--people 20]

Outcome: JSON + Markdown in bench/drills/results/db_outage.{json,md}: messages written
during the outage, how many were told they were kept, answered exactly once, answered
more than once, never answered, whether each person's answers came in order, and the
seconds from plugging back in to the last answer.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import make_url

from storage.db import upgrade
from storage.models import MessageRow, UserRow
from tests.fakes.slack_server import FakeSlack
from tests.reliability.unplug import Unpluggable
from tests.service.conftest import Service
from tests.service.slack_people import SlackPeople
from tests.support import databases
from tests.support.slack_messages import all_text

RESULTS = Path(__file__).resolve().parent / "results"
KEPT = "I've kept your message"
ANSWERED = "Did this solve your problem?"
QUESTIONS = ("my vpn won't connect", "how do I reset my account password")


def drill(outage_seconds: float, people: int, recover_timeout: float) -> dict[str, Any]:
    url = make_url(databases.POSTGRES_URL)
    with ExitStack() as stack:
        cable = stack.enter_context(Unpluggable(url.host or "127.0.0.1", url.port or 5432))
        schema = stack.enter_context(databases.fresh_schema("tier0_drill"))
        through_cable = url.set(
            host="127.0.0.1", port=cable.port, query={"options": f"-csearch_path={schema}"}
        )
        engine = create_engine(through_cable)
        upgrade(engine)
        engine.dispose()
        slack = stack.enter_context(FakeSlack())
        users = [f"U0D{n:04d}" for n in range(people)]
        for user in users:
            slack.add_user(user, user.lower())
        cwd = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        service = Service(cwd, through_cable.render_as_string(hide_password=False), slack)
        talk = SlackPeople(slack)
        dms = {user: talk.dm(user) for user in users}
        tier0 = stack.enter_context(service.start())

        cable.unplug()
        unplugged = time.monotonic()
        written = _write_while_unplugged(talk, dms, outage_seconds)
        outage = time.monotonic() - unplugged
        cable.plug()
        plugged = time.monotonic()

        def answers(user: str) -> list[str]:
            return [all_text(params) for params in talk.sent(dms[user], ANSWERED)]

        expected = {user: sum(1 for who, _ in written if who == user) for user in users}
        _wait_until(lambda: all(len(answers(u)) >= expected[u] for u in users), recover_timeout)
        recovered = time.monotonic() - plugged
        kept_notices = sum(
            1 for c in slack.calls("chat.postEphemeral") if c.ok and KEPT in c.params["text"]
        )
        per_user = {user: answers(user) for user in users}
        once = sum(min(len(per_user[u]), expected[u]) for u in users)
        extra = sum(max(0, len(per_user[u]) - expected[u]) for u in users)
        in_order = stored_in_order(through_cable, written)
        tier0.terminate()
        return {
            "outage_seconds": round(outage, 1),
            "people": people,
            "messages_during_outage": len(written),
            "told_kept": kept_notices,
            "answered_once": once,
            "answered_more_than_once": extra,
            "never_answered": len(written) - once,
            "handled_in_order_per_person": in_order,
            "seconds_to_last_answer_after_plugging_in": round(recovered, 1),
            "python": sys.version.split()[0],
            "machine": platform.platform(),
        }


def _write_while_unplugged(
    talk: SlackPeople, dms: dict[str, str], outage_seconds: float
) -> list[tuple[str, str]]:
    """People write in turn until the outage has lasted ``outage_seconds`` and each wrote
    at least once: (who, what) in the order written."""
    users = list(dms)
    people = len(users)
    unplugged = time.monotonic()
    written: list[tuple[str, str]] = []
    while time.monotonic() - unplugged < outage_seconds or len(written) < people:
        user = users[len(written) % people]
        question = QUESTIONS[len(written) // people % len(QUESTIONS)]
        text = f"{question} ({len(written)})"
        talk.say(user, text, dms[user])
        written.append((user, text))
        time.sleep(max(0.0, outage_seconds / max(people * 2, 1) - 0.01))
    return written


def _wait_until(done: Callable[[], bool], timeout: float) -> None:
    """Poll ``done`` every half second until it holds or ``timeout`` seconds passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not done():
        time.sleep(0.5)


def stored_in_order(url: Any, written: list[tuple[str, str]]) -> bool:
    """Whether each person's messages were stored (and so handled) in the order written."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(UserRow.platform_user_id, MessageRow.text)
                .join(UserRow, MessageRow.user_id == UserRow.id)
                .where(MessageRow.direction == "in")
                .order_by(MessageRow.id)
            ).all()
    finally:
        engine.dispose()
    for user in {who for who, _ in written}:
        mine = [text for who, text in written if who == user]
        if [text for who, text in rows if who == user] != mine:
            return False
    return True


def markdown(result: dict[str, Any]) -> str:
    rows = "\n".join(f"| {key} | {value} |" for key, value in result.items())
    return (
        "# Drill: database outage under `tier0 run`\n\n"
        "Command: `python -m bench.drills.db_outage "
        f"--outage-seconds {result['outage_seconds']:.0f} --people {result['people']}`\n\n"
        "| measure | value |\n|---|---|\n" + rows + "\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outage-seconds", type=float, default=330.0)
    parser.add_argument("--people", type=int, default=20)
    parser.add_argument("--recover-timeout", type=float, default=180.0)
    args = parser.parse_args(argv)
    result = drill(args.outage_seconds, args.people, args.recover_timeout)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "db_outage.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "db_outage.md").write_text(markdown(result))
    print(markdown(result))
    passed = (
        result["never_answered"] == 0
        and result["answered_more_than_once"] == 0
        and result["handled_in_order_per_person"]
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
