"""``tier0``: the command line. Each command group lives in its own ``cli_*`` module."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import cli_chat, cli_kb, cli_privacy, cli_report, cli_run, cli_tickets
from bot.config import ConfigError
from bot.demo import cli as cli_demo
from bot.logs import configure_logging
from bot.service import StartupError
from kb.calibration import CalibrationError
from storage.db import StorageUnavailable

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tier0", description="Chatbot-first support: the bot answers, people take over."
    )
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="TOML settings (default: ./tier0.toml)"
    )
    parser.add_argument("--log-level", default="WARNING", help="DEBUG, INFO, WARNING, ERROR")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_chat.register(commands)
    cli_kb.register(commands)
    cli_run.register(commands)
    cli_tickets.register(commands)
    cli_report.register(commands)
    cli_demo.register(commands)
    cli_privacy.register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if not logging.getLogger().handlers:  # like basicConfig: a host's logging is left be
        configure_logging(args.log_level)
    try:
        return int(args.func(args))
    except ConfigError as error:
        print(f"tier0: configuration error: {error}", file=sys.stderr)
    except StorageUnavailable as error:
        print(f"tier0: database error: {error}", file=sys.stderr)
    except StartupError as error:
        print(f"tier0: {error}", file=sys.stderr)
    except CalibrationError as error:
        print(f"tier0: knowledge base calibration: {error}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
