"""``tier0 run`` as a separate process, started and stopped the way an operator would.

The process is ``python -m tier0 --config FILE run`` in a temporary working directory,
with its secrets and endpoints in the environment. Its output (logs go to stderr) is read
on background threads, so a test waits for a line with a timeout instead of sleeping.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Self

__all__ = ["Tier0Process", "clean_environment", "run_once"]

READY_TIMEOUT = 30.0
EXIT_TIMEOUT = 20.0
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT", "VIRTUAL_ENV")


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """A minimal environment (no proxies, no operator's tokens or TIER0_CONFIG) plus ``extra``."""
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def command(config: Path | None, *arguments: str) -> list[str]:
    base = [sys.executable, "-m", "tier0"]
    if config is not None:
        base += ["--config", str(config)]
    return [*base, *arguments]


def run_once(
    config: Path | None, env: Mapping[str, str], cwd: Path, *arguments: str
) -> subprocess.CompletedProcess[str]:
    """Run a short command (``run --check``, a refused start) to completion."""
    return subprocess.run(
        command(config, *arguments),
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=EXIT_TIMEOUT,
        check=False,
    )


class Tier0Process:
    """One ``tier0 run``; use as a context manager so it is always killed afterwards."""

    def __init__(self, config: Path, env: Mapping[str, str], cwd: Path) -> None:
        self.config = config
        self.env = dict(env)
        self.cwd = cwd
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._process: subprocess.Popen[str] | None = None
        self._readers: list[threading.Thread] = []
        self.started_at = 0.0
        self.ready_after = 0.0
        self.stopped_after = 0.0

    # -- lifecycle ------------------------------------------------------------------------

    def start(self, ready: Iterable[str] = ("tier0 ready:",)) -> Self:
        """Start and wait until every pattern in ``ready`` was logged."""
        self.started_at = time.monotonic()
        self._process = subprocess.Popen(
            command(self.config, "run"),
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        for stream in (self._process.stdout, self._process.stderr):
            assert stream is not None
            reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
            reader.start()
            self._readers.append(reader)
        for pattern in ready:
            self.wait_for_line(pattern, READY_TIMEOUT)
        self.ready_after = time.monotonic() - self.started_at
        return self

    def terminate(self, timeout: float = EXIT_TIMEOUT) -> int:
        """SIGTERM, then wait for the exit; returns the exit code."""
        process = self._running()
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"tier0 run did not exit within {timeout} s of SIGTERM; output:\n{self.output}"
            ) from None
        self.stopped_after = time.monotonic() - sent
        self._join_readers()
        return code

    def kill(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(5)
        self._join_readers()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.kill()

    @property
    def returncode(self) -> int | None:
        return None if self._process is None else self._process.poll()

    def _running(self) -> subprocess.Popen[str]:
        if self._process is None:
            raise RuntimeError("tier0 run was not started")
        return self._process

    # -- output ---------------------------------------------------------------------------

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def _join_readers(self) -> None:
        for reader in self._readers:
            reader.join(5)

    def complaints(self) -> list[str]:
        """Log lines at WARNING or above, and anything that looks like a traceback."""
        with self._changed:
            return [
                line
                for line in self.lines
                if re.search(r" (WARNING|ERROR|CRITICAL) |^Traceback|^\s+File ", line)
            ]

    @property
    def output(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float = 10.0) -> str:
        """The first output line matching ``pattern`` (a regex); fails if the process exits."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for line in self.lines:
                    if regex.search(line):
                        return line
                if self.returncode is not None and not any(r.is_alive() for r in self._readers):
                    raise AssertionError(
                        f"tier0 run exited ({self.returncode}) before logging {pattern!r}:\n"
                        + "\n".join(self.lines)
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"no {pattern!r} from tier0 run within {timeout} s:\n"
                        + "\n".join(self.lines)
                    )
                self._changed.wait(min(remaining, 0.2))
