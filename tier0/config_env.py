"""Settings from environment variables, for operators who keep ids and URLs out of files.

Two kinds: well-known variables (``DATABASE_URL``, ``SLACK_API_URL``, ...) and a generic
form for any setting, ``TIER0__<SECTION>__<KEY>``: a plain value, or a TOML array or
table (``["C0123", "C0456"]``, ``{ "Service desk" = "C0789" }``). List items are
addressed by index, so the agents of the first tier are
``TIER0__TICKETS__TIERS__0__AGENTS='["slack:U123", "slack:U456"]'``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from typing import Any

from bot.errors import ConfigError

__all__ = ["ENVIRONMENT_OVERRIDES", "GENERIC_PREFIX", "apply_environment"]

ENVIRONMENT_OVERRIDES: dict[str, tuple[str, ...]] = {
    "DATABASE_URL": ("database", "url"),
    "SLACK_API_URL": ("slack", "api_url"),
    "DISCORD_API_BASE": ("discord", "api_base"),
    "DISCORD_GATEWAY_URL": ("discord", "gateway_url"),
}
GENERIC_PREFIX = "TIER0__"


def apply_environment(raw: dict[str, Any], env: Mapping[str, str]) -> dict[str, str]:
    """Write the environment's settings into ``raw``; returns setting key -> variable name."""
    applied: dict[str, str] = {}
    for variable, path in ENVIRONMENT_OVERRIDES.items():
        if env.get(variable):
            _set(raw, path, env[variable], variable)
            applied[".".join(path)] = variable
    for variable in sorted(env):
        if variable.startswith(GENERIC_PREFIX) and len(variable) > len(GENERIC_PREFIX):
            path = tuple(part.lower() for part in variable[len(GENERIC_PREFIX) :].split("__"))
            _set(raw, path, _toml_value(env[variable]), variable)
            applied[".".join(path)] = variable
    return applied


def _toml_value(text: str) -> Any:
    """Arrays and tables are TOML; anything else stays a string (settings convert numbers
    and booleans themselves, and ids such as Discord's stay strings)."""
    if not text.lstrip().startswith(("[", "{")):
        return text
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def _set(raw: dict[str, Any], path: tuple[str, ...], value: Any, variable: str) -> None:
    node: Any = raw
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigError(
                    f"${variable}: there is no item {part} at {'.'.join(path[:depth])} "
                    f"(the configuration file has {len(node)})"
                )
            index = int(part)
            if last:
                node[index] = value
            else:
                node = node[index]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            elif path[depth + 1].isdigit() and part not in node:
                where = ".".join(path[: depth + 1])
                raise ConfigError(f"${variable}: the configuration file has no {where} list")
            else:
                node = node.setdefault(part, {})
        else:
            raise ConfigError(f"${variable}: {'.'.join(path[:depth])} is not a section")
