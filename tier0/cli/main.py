"""``tier0``: the command line. Each command group lives in its own module of ``tier0.cli``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.errors import ConfigError
from kb.calibration import CalibrationError
from storage.db import StorageUnavailable
from tier0.cli import chat, kb, privacy, report, run, tickets
from tier0.demo import cli as demo
from tier0.logs import configure_logging
from tier0.service import StartupError

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
    chat.register(commands)
    kb.register(commands)
    run.register(commands)
    tickets.register(commands)
    report.register(commands)
    demo.register(commands)
    privacy.register(commands)
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
