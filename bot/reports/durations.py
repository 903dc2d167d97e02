"""Median and 90th percentile of how long things took."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

__all__ = ["Durations", "describe_duration"]


@dataclass(frozen=True)
class Durations:
    """How many, the median and the 90th percentile (linear interpolation between the
    two nearest values, numpy's default); both None when there is nothing to measure."""

    count: int
    median: timedelta | None
    p90: timedelta | None
    seconds: tuple[float, ...] = ()

    @classmethod
    def of(cls, spans: Iterable[timedelta]) -> Durations:
        seconds = tuple(sorted(span.total_seconds() for span in spans))
        if not seconds:
            return cls(0, None, None)
        median, p90 = np.percentile(seconds, [50, 90])
        return cls(
            len(seconds), timedelta(seconds=float(median)), timedelta(seconds=float(p90)), seconds
        )


def describe_duration(span: timedelta | None) -> str:
    """``42m``, ``3.5h``, ``2.1d``: short enough for a table cell; ``-`` for none."""
    if span is None:
        return "-"
    seconds = span.total_seconds()
    if seconds < 3600:
        return f"{seconds / 60:.0f}m"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f}h"
    return f"{seconds / 86400:.1f}d"
