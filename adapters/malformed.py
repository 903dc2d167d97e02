"""Malformed payloads are logged and ignored, never allowed to fail a listener.

Translation functions read platform JSON directly (``payload["channel"]``,
``action.get("value")``), which is clear for the payloads platforms document. A payload
that lacks a key or has a value of another type (a platform change, a forged request,
a proxy mangling it) then raises deep inside; at the translation boundary that becomes
one warning naming the function and the problem, and no event.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

__all__ = ["SHAPE_ERRORS", "ignoring_malformed"]

log = logging.getLogger("adapters.malformed")

P = ParamSpec("P")
R = TypeVar("R")
F = TypeVar("F")

SHAPE_ERRORS = (KeyError, IndexError, TypeError, AttributeError, ValueError, OverflowError)
"""What reading a wrongly shaped payload raises (``int("x")`` is a ValueError, ``int(1e999)``
an OverflowError)."""


def ignoring_malformed(
    platform: str, fallback: F
) -> Callable[[Callable[P, R]], Callable[P, R | F]]:
    """Wrap a pure translation function: a shape error means ``fallback`` and a warning."""

    def wrap(translate: Callable[P, R]) -> Callable[P, R | F]:
        @functools.wraps(translate)
        def tolerant(*args: P.args, **kwargs: P.kwargs) -> R | F:
            try:
                return translate(*args, **kwargs)
            except SHAPE_ERRORS as error:
                log.warning(
                    "%s: ignored a malformed payload (%s: %s: %s)",
                    platform,
                    translate.__name__,
                    type(error).__name__,
                    str(error)[:200],
                )
                return fallback

        return tolerant

    return wrap
