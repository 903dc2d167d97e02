"""``tier0 run``: the service. ``--check`` validates configuration, secrets, KB and database;
``--workers N`` runs N worker processes on one database (``tier0.workers``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from typing import Any

from bot.errors import ConfigError
from bot.settings import Settings
from storage.db import Database
from tier0.app import build_app, open_kb
from tier0.config import load_settings
from tier0.health import operations
from tier0.logs import configure_logging
from tier0.metrics import MULTIPROCESS_DIR
from tier0.service import build_adapters, build_scheduler, check_secrets, serve
from tier0.workers import Supervisor

__all__ = ["register"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    run = subparsers.add_parser(
        "run", help="run the enabled adapters (Slack, Discord) in the foreground"
    )
    run.add_argument(
        "--check",
        action="store_true",
        help="validate configuration, secrets, knowledge base and database, then exit",
    )
    run.add_argument(
        "--workers",
        type=int,
        default=1,
        metavar="N",
        help="run N worker processes sharing the database (and Slack's HTTP port)",
    )
    run.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    configure_logging(settings.service.log_level, settings.service.log_format)
    check_secrets(settings, os.environ)
    if args.workers != 1 and not args.check:
        return _supervise(args, settings)
    app = build_app(
        settings, wait_seconds=0 if args.check else settings.service.database_wait_seconds
    )
    try:
        adapters = build_adapters(app, os.environ)
        if args.check:
            platforms = ", ".join(adapter.platform for adapter in adapters)
            errors = len({error.path for error in app.kb_errors})  # an error per problem
            print(
                f"configuration OK: {platforms}; {len(app.kb.articles)} articles "
                f"({errors} file(s) with errors); database reachable"
            )
            return 1 if errors else 0
        scheduler = build_scheduler(app, adapters)
        with operations(app):  # /healthz and /metrics, when [service] metrics_port is set
            service = settings.service
            asyncio.run(
                serve(adapters, service.shutdown_grace_seconds, scheduler, service.engine_threads)
            )
        return 0
    finally:
        app.close()


def _supervise(args: argparse.Namespace, settings: Settings) -> int:
    """Migrate and build the KB index once, then start the workers (each migrating in
    turn would race; each building would take minutes and GBs at 10,000 articles)."""
    if args.workers < 1:
        raise ConfigError("--workers must be at least 1")
    worker_env: list[dict[str, str]] = []
    if settings.discord.enabled:  # each worker runs its share of the gateway shards
        from adapters.discord_adapter.shards import worker_environments

        worker_env = worker_environments(settings, os.environ, args.workers)
    Database.open(
        settings.database.url,
        settings.tickets.key_prefix,
        wait_seconds=settings.service.database_wait_seconds,
    ).close()
    open_kb(settings)  # builds the KB index once, into the cache every worker maps
    command = [sys.executable, "-m", "tier0"]
    if args.config is not None:
        command += ["--config", str(args.config)]
    # Every worker counts into one folder, so the one serving /metrics reports them all.
    with tempfile.TemporaryDirectory(prefix="tier0-metrics-") as counts:
        supervisor = Supervisor(
            [*command, "run"],
            args.workers,
            {**os.environ, MULTIPROCESS_DIR: counts},
            settings.service.shutdown_grace_seconds,
            worker_env,
        )
        return supervisor.run()
