"""Errors that stop tier0 with a message for the operator rather than a traceback."""

from __future__ import annotations

__all__ = ["ConfigError"]


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, key and problem."""
