"""How long ``tier0 run`` takes to be ready and to stop, collected for the test summary."""

from __future__ import annotations

from tests.service.process import Tier0Process

__all__ = ["TIMINGS", "record"]

TIMINGS: list[tuple[str, float, float]] = []
"""(what ran, start-up seconds: process start to every ready line, shutdown seconds:
SIGTERM to exit)."""


def record(name: str, process: Tier0Process) -> None:
    TIMINGS.append((name, process.ready_after, process.stopped_after))
