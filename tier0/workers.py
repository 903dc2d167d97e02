"""``tier0 run --workers N``: N worker processes on one database, kept running.

Each worker is a whole ``tier0 run`` (adapters, dispatcher, scheduler): workers share
nothing but the database, so any of them can take any event, and a worker that dies loses
nothing another cannot finish (see ``bot.delivery.outbox`` and ``tier0.scheduler``). The supervisor
only starts them, starts again one that dies (backing off if it keeps dying), and on
SIGTERM/SIGINT stops them all within the grace period.

Slack in HTTP mode: every worker listens on the same port (SO_REUSEPORT) and the kernel
spreads requests over them. Slack in Socket Mode: each worker opens its own connection and
Slack spreads events over them. Discord is sharded: each worker runs its share of the
gateway shards, given to it in its environment (``worker_env``, from
``adapters.discord_adapter.shards``), the same share again when it is started again.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import FrameType

__all__ = ["Supervisor"]

log = logging.getLogger("tier0.workers")

POLL_SECONDS = 0.2
QUICK_DEATH_SECONDS = 10.0
MAX_BACKOFF_SECONDS = 30.0


@dataclass
class _Slot:
    number: int
    env: Mapping[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restart_at: float = 0.0
    backoff: float = 1.0


class Supervisor:
    """Runs ``command`` (a single-process ``tier0 run``) ``count`` times; worker i also
    gets ``worker_env[i]`` (its Discord shards) in its environment."""

    def __init__(
        self,
        command: Sequence[str],
        count: int,
        env: Mapping[str, str],
        grace_seconds: float,
        worker_env: Sequence[Mapping[str, str]] = (),
    ) -> None:
        self._command = list(command)
        self._env = dict(env)
        self._grace = grace_seconds
        extra = list(worker_env) or [{} for _ in range(count)]
        if len(extra) != count:
            raise ValueError(f"{len(extra)} worker environments for {count} workers")
        self._slots = [_Slot(number, extra[number - 1]) for number in range(1, count + 1)]
        self._stopping = False

    def run(self) -> int:
        """Until SIGTERM/SIGINT; returns 0 if every worker then stopped cleanly."""
        previous = {
            signum: signal.signal(signum, self._stop) for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            for slot in self._slots:
                self._start(slot)
            while not self._stopping:
                self._tend()
                time.sleep(POLL_SECONDS)
            return self._stop_all()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    @property
    def pids(self) -> list[int]:
        return [slot.process.pid for slot in self._slots if slot.process is not None]

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self._stopping = True

    def _start(self, slot: _Slot) -> None:
        env = {**self._env, **slot.env, "TIER0_WORKER": f"{slot.number}/{len(self._slots)}"}
        slot.process = subprocess.Popen(self._command, env=env, stdin=subprocess.DEVNULL)
        slot.started_at = time.monotonic()
        log.info("worker %d started (pid %d)", slot.number, slot.process.pid)

    def _tend(self) -> None:
        """Start again any worker that died, later each time it dies right after a start."""
        now = time.monotonic()
        for slot in self._slots:
            if slot.process is None:
                if now >= slot.restart_at:
                    self._start(slot)
                continue
            code = slot.process.poll()
            if code is None:
                continue
            quick = now - slot.started_at < QUICK_DEATH_SECONDS
            slot.backoff = min(slot.backoff * 2, MAX_BACKOFF_SECONDS) if quick else 1.0
            slot.restart_at = now + (slot.backoff if quick else 0.0)
            log.warning(
                "worker %d (pid %d) exited with %s; starting it again%s",
                slot.number,
                slot.process.pid,
                code,
                f" in {slot.backoff:.0f} s" if quick else "",
            )
            slot.process = None

    def _stop_all(self) -> int:
        running = [slot.process for slot in self._slots if slot.process is not None]
        log.info("stopping %d worker(s)", len(running))
        for process in running:
            process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self._grace + 5.0
        worst = 0
        for process in running:
            try:
                code = process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.warning("worker pid %d did not stop in time; killing it", process.pid)
                process.kill()
                code = process.wait()
            worst = worst or code
        return worst
