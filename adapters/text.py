"""The platform-neutral part of showing someone's text: characters that are never words.

Every adapter passes text through :func:`visible` before its own escaping. Control
characters (C0 and C1, NUL and ESC included) would reach a terminal or a Slack/Discord
client as invisible bytes or escape sequences, and bidirectional overrides and marks make
text display in an order other than the one it is read in (``U+202E`` turns
``exe.pdf`` into something that looks like ``fdp.exe``), so a subject or a name could pass
itself off as something else. Newlines and tabs stay: they are how people lay out text.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["visible"]

_INVISIBLE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 except tab and newline, DEL, C1
    "\u061c\u200e\u200f"  # Arabic letter mark, left-to-right and right-to-left marks
    "\u202a-\u202e"  # embeddings and overrides
    "\u2066-\u2069]"  # isolates
)


def visible(text: str) -> str:
    """``text`` without control and bidirectional formatting characters (a CR-LF is a LF)."""
    return _INVISIBLE.sub("", text)
