"""Reading the settings: a TOML file (``--config``, ``$TIER0_CONFIG`` or ``./tier0.toml``)
with secrets and the database URL from the environment, validated once at start-up.

Every problem is reported with the key that caused it, so a typo never silently falls back
to a default.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bot.errors import ConfigError
from bot.settings import Settings
from tier0.config_env import ENVIRONMENT_OVERRIDES, apply_environment

__all__ = ["DEFAULT_CONFIG_NAME", "ENVIRONMENT_OVERRIDES", "load_settings"]

DEFAULT_CONFIG_NAME = "tier0.toml"


def load_settings(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read the TOML file (if any), apply the environment and validate everything."""
    env = os.environ if environ is None else environ
    path = path or _default_config_path(env)
    raw: dict[str, Any] = {}
    source = "defaults"
    if path is not None:
        source = str(path)
        raw = _read_toml(path)
        _resolve_kb_paths(raw, path.parent)
    from_environment = apply_environment(raw, env)
    try:
        return Settings.model_validate(raw)
    except ValidationError as error:
        raise ConfigError(_describe(error, source, from_environment)) from None


def _default_config_path(env: Mapping[str, str]) -> Path | None:
    if env.get("TIER0_CONFIG"):
        return Path(env["TIER0_CONFIG"])
    local = Path(DEFAULT_CONFIG_NAME)
    return local if local.is_file() else None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: configuration file not found") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


def _resolve_kb_paths(raw: dict[str, Any], base: Path) -> None:
    """KB files in a config file are relative to that file, not to the working directory."""
    kb = raw.get("kb")
    if not isinstance(kb, dict):
        return
    if isinstance(kb.get("calibration"), str) and not Path(kb["calibration"]).is_absolute():
        kb["calibration"] = str(base / kb["calibration"])
    if isinstance(kb.get("paths"), list):
        kb["paths"] = [
            str(base / p) if isinstance(p, str) and not Path(p).is_absolute() else p
            for p in kb["paths"]
        ]


def _describe(error: ValidationError, source: str, from_environment: Mapping[str, str]) -> str:
    lines = [f"{source}: invalid configuration"]
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        if key in from_environment:
            key = f"{key} (set by ${from_environment[key]})"
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling against config.example.toml)"
        lines.append(f"  {key}: {message}")
    return "\n".join(lines)
