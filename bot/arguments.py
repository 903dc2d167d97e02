"""Splitting a typed command's arguments, the same way on every platform."""

from __future__ import annotations

import re
import shlex

__all__ = ["split_args"]

_WHITESPACE = re.compile(r"\s")


def split_args(text: str) -> tuple[str, ...]:
    """Quote-aware split that keeps backslashes (Windows paths) and ``#`` as typed.

    Unbalanced quotes (``can't``) fall back to splitting on whitespace. Any Unicode space
    separates words (a no-break space pasted from a chat client too), not only ASCII ones.
    """
    text = _WHITESPACE.sub(" ", text)
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    try:
        return tuple(lexer)
    except ValueError:
        return tuple(text.split())
