"""PostgreSQL restarted under load while ``tier0 run --workers 2`` takes Slack events over
HTTP: stopped with ``pg_ctl stop -m fast``, then ``-m immediate``, then its postmaster
killed with SIGKILL, each time down for 1.5 s. The workers reconnect by themselves, and
every acknowledged event is answered once, including those that arrived while the server
was down (spooled, then handled).

The short version of ``python -m bench.drills.pg_restart``, on a PostgreSQL server of
the test's own (the machine's binaries, a temporary folder); skipped only where no
PostgreSQL binaries are installed.
"""

from __future__ import annotations

import pytest

from bench.drills.pg_restart import Fault, drill
from tests.reliability.private_postgres import postgres_binaries

pytestmark = pytest.mark.skipif(
    postgres_binaries() is None, reason="no PostgreSQL binaries (initdb, pg_ctl) installed"
)


def test_workers_answer_every_event_once_across_restarts_and_a_killed_postmaster() -> None:
    faults = [Fault("fast", 2.0, 1.5), Fault("immediate", 7.0, 1.5), Fault("kill", 12.0, 1.5)]

    result, log = drill(workers=2, seconds=16.0, rate=3.0, faults=faults, recover_timeout=60.0)

    assert result["events_sent"] >= 40
    assert result["unacknowledged_after_retries"] == 0
    assert (result["lost"], result["duplicated_replies"]) == (0, 0), log[-4000:]
    assert result["answered"] == result["events_sent"]
    for fault in ("stop_fast", "stop_immediate", "kill"):
        assert result[f"{fault}_events_sent_while_down"] >= 3
        assert result[f"{fault}_of_them_answered"] == result[f"{fault}_events_sent_while_down"]
    assert result["told_kept"] >= 9  # the outages were real: events were spooled
    assert result["worker_exits"] == 0, log[-4000:]
