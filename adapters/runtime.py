"""What ``tier0 run`` needs from a platform adapter: start, stop, and its outbox dispatcher."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from adapters.delivery import Dispatcher
from bot.errors import ConfigError

__all__ = ["Adapter", "require_secret"]


class Adapter(Protocol):
    platform: str
    dispatcher: Dispatcher

    async def start(self) -> None:
        """Connect and start taking events; return once ready to serve."""
        ...

    async def stop(self) -> None:
        """Stop taking new events, let the ones in flight finish, close connections.

        Pending deliveries are flushed by ``tier0 run`` after this returns.
        """
        ...


def require_secret(env: Mapping[str, str], name: str, why: str) -> str:
    """A secret from the environment, or a configuration error that says what to set."""
    value = env.get(name, "").strip()
    if not value:
        raise ConfigError(f"{name} is not set in the environment; it is needed {why}")
    return value
