"""The desk's live figures, as the database reads them at a ``/metrics`` scrape.

A data type of the core, so that storage (``storage.operations``) can fill it and the
composition root (``tier0.metrics``) can publish it without either importing the other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DeskState"]


@dataclass(frozen=True)
class DeskState:
    """The database's current figures: tickets by status (closed ones excluded: they only
    pile up), active tickets with a breached target, unsent actions per platform."""

    tickets: Mapping[str, int]
    breached: Mapping[str, int]
    outbox_pending: Mapping[str, int]
    outbox_oldest_seconds: Mapping[str, float]
