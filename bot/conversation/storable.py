"""Inbound text made storable: lone surrogates become U+FFFD before anything is stored.

JSON may escape half of a UTF-16 pair (``"\\ud800"``), and Slack or Discord pass such text
on; Python decodes it into a string that no database encoding can hold, so storing the
message failed and its writer heard of an internal error. A pair written as two escapes is
joined into its character; only what cannot be read is replaced.
"""

from __future__ import annotations

import re
from dataclasses import fields, is_dataclass, replace
from typing import Any, TypeVar, cast

__all__ = ["storable"]

T = TypeVar("T")

_SURROGATE = re.compile("[\ud800-\udfff]")


def storable(value: T) -> T:
    """``value`` (an event, or any text, tuple, set or dataclass in it) with every string
    storable; the very same object when nothing needed replacing, as nearly always."""
    if isinstance(value, str):
        return cast(T, _text(value))
    if isinstance(value, tuple | frozenset):
        items = list(value)
        kept = [storable(item) for item in items]
        changed = any(new is not old for new, old in zip(kept, items, strict=True))
        return cast(T, type(value)(kept)) if changed else value
    if is_dataclass(value) and not isinstance(value, type):
        changes: dict[str, Any] = {}
        for field in fields(value):
            old = getattr(value, field.name)
            new = storable(old)
            if new is not old:
                changes[field.name] = new
        return cast(T, replace(value, **changes)) if changes else value
    return value


def _text(text: str) -> str:
    if _SURROGATE.search(text) is None:
        return text
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
