"""Dataclasses stored as JSON tagged with their class name, for rows that hold one of
several kinds (the outbox's actions, the spool's events).

The tag lets a row written by one version be read back as the same kind by the next,
without a column per kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter

__all__ = ["TaggedJson"]

T = TypeVar("T")


class TaggedJson(Generic[T]):
    """Encodes and decodes values of the given classes as ``{"kind": ..., "data": ...}``."""

    def __init__(self, classes: Iterable[type[Any]]) -> None:
        self._adapters: dict[str, TypeAdapter[Any]] = {
            cls.__name__: TypeAdapter(cls) for cls in classes
        }

    def encode(self, value: T) -> str:
        kind = type(value).__name__
        data = self._adapters[kind].dump_python(value, mode="json")
        return json.dumps({"kind": kind, "data": data}, ensure_ascii=False)

    def decode(self, payload: str) -> T:
        stored = json.loads(payload)
        value: T = self._adapters[stored["kind"]].validate_python(stored["data"])
        return value
