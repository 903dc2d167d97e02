"""``tier0 run``: every enabled adapter in one foreground process, stopped gracefully.

Start-up connects each adapter and starts its outbox dispatcher; SIGTERM or SIGINT stops
taking events, lets those in flight finish, sends what is still queued, and exits within
the configured grace period.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, cast

from adapters.runtime import Adapter
from bot.errors import ConfigError
from bot.jobs.runner import Jobs
from bot.privacy.personal_data import TranscriptRetention
from bot.settings import Settings
from storage.leases import DatabaseLease
from storage.privacy import privacy_unit_of_work
from storage.spool import is_outage
from tier0.app import App
from tier0.scheduler import JobScheduler

__all__ = [
    "BUILDERS",
    "SECRETS",
    "StartupError",
    "build_adapters",
    "build_scheduler",
    "check_secrets",
    "serve",
]

log = logging.getLogger("tier0.service")


class StartupError(Exception):
    """An adapter could not connect; the message names the platform and the reason."""


Builder = Callable[[App, Mapping[str, str]], Adapter]
SCHEDULER_LEASE = "scheduler"

BUILDERS: dict[str, str] = {
    "slack": "tier0.platforms.slack:build_slack_adapter",
    "discord": "tier0.platforms.discord:build_discord_adapter",
}
"""Platform -> "module:function"; imported only when enabled, so an unused platform's
library is never loaded."""
SECRETS: dict[str, str] = {
    "slack": "adapters.slack:slack_secrets",
    "discord": "adapters.discord_adapter:discord_secrets",
}
"""Platform -> the function that reads (and insists on) its secrets from the environment."""


def enabled_platforms(settings: Settings) -> list[str]:
    """The platforms to run; none is a configuration error."""
    enabled = [name for name in BUILDERS if getattr(settings, name).enabled]
    if not enabled:
        raise ConfigError(
            "nothing to run: enable [slack] or [discord] in the configuration "
            "(or try `tier0 chat` for the console)"
        )
    return enabled


def check_secrets(settings: Settings, env: Mapping[str, str]) -> None:
    """Fail early, before the KB and database are touched, when a secret is missing."""
    for platform in enabled_platforms(settings):
        _load(SECRETS[platform])(settings, env)


def build_adapters(app: App, env: Mapping[str, str]) -> list[Adapter]:
    """The adapters enabled in the settings; a missing secret raises ``ConfigError``."""
    return [
        cast(Builder, _load(BUILDERS[name]))(app, env) for name in enabled_platforms(app.settings)
    ]


def build_scheduler(app: App, adapters: Sequence[Adapter]) -> JobScheduler:
    """SLA sweeps and daily digests for the running adapters' platforms, run by whichever
    worker on this database holds the scheduler lease."""

    def wake() -> None:
        for adapter in adapters:
            adapter.dispatcher.wake()

    jobs = Jobs(app.settings, app.database.unit_of_work)
    retention = TranscriptRetention(app.settings.privacy, privacy_unit_of_work(app.database))
    lease = DatabaseLease(
        app.database.engine,
        SCHEDULER_LEASE,
        app.engine.outbox.worker,
        timedelta(seconds=app.settings.service.scheduler_lease_seconds),
    )
    return JobScheduler(
        jobs,
        [adapter.platform for adapter in adapters],
        wake,
        app.engine.replay_unhandled,
        leadership=lease,
        retention=retention.run,
        outage=is_outage,
        drain=app.engine.drain_spool,
    )


def _load(reference: str) -> Callable[..., Any]:
    module_name, _, function = reference.partition(":")
    return cast(Callable[..., Any], getattr(importlib.import_module(module_name), function))


async def serve(
    adapters: Sequence[Adapter],
    grace_seconds: float,
    scheduler: JobScheduler | None = None,
    engine_threads: int = 2,
) -> None:
    """Run until SIGTERM/SIGINT, then shut down within ``grace_seconds``.

    The engine runs on ``engine_threads`` threads (the loop's default executor): few, as
    they share the interpreter lock with the loop, which must acknowledge within seconds.

    The ``scheduler`` (SLA sweeps, digests) starts once every adapter is up and stops
    first, so what its jobs store is still sent by the dispatchers on the way out.
    """
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.set_default_executor(ThreadPoolExecutor(engine_threads, thread_name_prefix="tier0-engine"))
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    dispatching = asyncio.Event()
    started = time.monotonic()
    running: list[Adapter] = []
    try:
        for adapter in adapters:
            try:
                await adapter.start()
            except Exception as error:
                await _stop_all(running, grace_seconds)
                raise StartupError(f"{adapter.platform} could not start: {error}") from error
            running.append(adapter)
        tasks = [asyncio.create_task(a.dispatcher.run(dispatching)) for a in running]
        if scheduler is not None:
            scheduler.start()
        log.info(
            "tier0 ready: %s (connected in %.1f s)", _names(running), time.monotonic() - started
        )
        await stop.wait()
        log.info("stopping: finishing events in flight and queued deliveries")
        stopping = time.monotonic()

        def left() -> float:  # of the grace period; each step gets at least a moment
            return max(0.5, grace_seconds - (time.monotonic() - stopping))

        if scheduler is not None:
            await scheduler.stop(left())
        await _stop_all(running, left())
        dispatching.set()
        _, late = await asyncio.wait(tasks, timeout=left())
        for task in late:
            task.cancel()
        if late:
            log.warning("deliveries still pending after the grace period stay queued")
        log.info("stopped in %.1f s", time.monotonic() - stopping)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)


async def _stop_all(adapters: Sequence[Adapter], grace_seconds: float) -> None:
    results = await asyncio.gather(
        *(asyncio.wait_for(a.stop(), grace_seconds) for a in adapters), return_exceptions=True
    )
    for adapter, result in zip(adapters, results, strict=True):
        if isinstance(result, BaseException):
            log.warning("%s did not stop cleanly: %r", adapter.platform, result)


def _names(adapters: Sequence[Adapter]) -> str:
    return ", ".join(adapter.platform for adapter in adapters)
