"""Splitting a typed command's arguments, the same way on every platform."""

from __future__ import annotations

import shlex

__all__ = ["split_args"]


def split_args(text: str) -> tuple[str, ...]:
    """Quote-aware split that keeps backslashes (Windows paths) and ``#`` as typed.

    Unbalanced quotes (``can't``) fall back to splitting on whitespace.
    """
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    lexer.escape = ""
    try:
        return tuple(lexer)
    except ValueError:
        return tuple(text.split())
