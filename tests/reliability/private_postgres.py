"""A PostgreSQL server of one's own, in a temporary folder, to restart and kill at will.

The machine's shared server is used by everyone's tests and is never stopped; a drill of a
real restart (connections terminated by the server, a crash recovery after ``-m
immediate``) gets this one instead, built with the machine's PostgreSQL binaries and
listening on a free port of 127.0.0.1 only. ``initdb`` refuses to run as root, so as root
the server runs as the ``postgres`` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["PrivatePostgres", "postgres_binaries"]

SEARCHED = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
START_TIMEOUT = 60


def postgres_binaries() -> Path | None:
    """The newest folder holding ``initdb`` and ``pg_ctl`` (PG_BIN overrides), or None."""
    candidates = [Path(os.environ["PG_BIN"])] if os.environ.get("PG_BIN") else SEARCHED
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


class PrivatePostgres:
    """``with PrivatePostgres() as server:`` a running server; ``server.url`` reaches it."""

    def __init__(self, binaries: Path | None = None) -> None:
        found = binaries or postgres_binaries()
        if found is None:
            raise FileNotFoundError("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
        self.bin = found
        self._folder = Path(tempfile.mkdtemp(prefix="tier0-pg-"))
        self.data = self._folder / "data"
        self.log = self._folder / "server.log"
        self.port = _free_port()
        self._user = "postgres" if os.geteuid() == 0 else None

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def __enter__(self) -> Self:
        if self._user is not None:
            account = pwd.getpwnam(self._user)
            os.chown(self._folder, account.pw_uid, account.pw_gid)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self._folder}'",
            "fsync": "off",  # a process crash, not a power cut: the OS keeps what was written
            "max_connections": "100",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self._folder, ignore_errors=True)

    def start(self) -> None:
        """Start and wait until it accepts connections (after crash recovery, if any)."""
        self._ctl("start", "-w", "-t", str(START_TIMEOUT), "-l", str(self.log))

    def stop(self, mode: str = "fast") -> None:
        """``fast``: clients' sessions are terminated, then a clean shutdown; ``immediate``:
        every server process quits at once (as if killed) and the next start recovers."""
        if (self.data / "postmaster.pid").exists():
            self._ctl("stop", "-w", "-m", mode)

    def kill(self) -> None:
        """SIGKILL to the postmaster (a crash, an OOM kill): its children notice and quit,
        and the next ``start`` runs crash recovery. Returns once none of them is left.

        The stale lock files are removed as an operator would: the killed postmaster may
        linger as a zombie (not yet reaped by this machine's init), and a new server
        refuses to start while the pid in the lock file still exists.
        """
        lock = self.data / "postmaster.pid"
        pid = int(lock.read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + START_TIMEOUT
        while (_running(pid) or _processes_in(self.data)) and time.monotonic() < deadline:
            time.sleep(0.1)
        socket_file = self._folder / f".s.PGSQL.{self.port}"
        for stale in (lock, socket_file, Path(f"{socket_file}.lock")):
            stale.unlink(missing_ok=True)

    def restart(self, mode: str = "fast") -> None:
        self._ctl("restart", "-w", "-m", mode, "-t", str(START_TIMEOUT), "-l", str(self.log))

    def accepting(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return True
        except OSError:
            return False

    def _ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data), *args)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self._user is not None:
            command = ["runuser", "-u", self._user, "--", *command]
        done = subprocess.run(
            command, capture_output=True, text=True, cwd=self._folder, check=False
        )
        if done.returncode != 0:
            log = self.log.read_text()[-2000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout}{done.stderr}{log}"
            )


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def _processes_in(data: Path) -> list[int]:
    """Live processes whose working directory is ``data``: the server's, after its
    postmaster was killed (a backend quits when it notices)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cwd").resolve() == data.resolve() and _running(int(entry.name)):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
