"""Requesters' data: export what is stored about a person, erase it, purge old transcripts.

Each runs in one unit of work together with its audit-log entry, so the change and the
record of it commit together or not at all. Erasing and purging blank text but keep rows,
timestamps and numbers: ticket counts, response times and ratings still add up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.config import PrivacySettings
from bot.engine import Clock, utc_now
from bot.records import User

__all__ = [
    "KEPT_DETAIL_KINDS",
    "REMOVED",
    "AuditEntry",
    "PersonalData",
    "PrivacyStore",
    "PrivacyUnitOfWork",
    "TranscriptRetention",
    "UnknownPerson",
    "parse_person",
]

REMOVED = "[removed]"
"""What erased or purged text reads as."""

KEPT_DETAIL_KINDS = frozenset(
    {"opened", "claimed", "assigned", "priority", "rated", "sla_reminder", "sla_breached"}
)
"""Ticket-history entries whose detail the bot wrote (a reason code, a rating's number, a
priority change), kept by erasure; every other detail may be words people wrote."""

RETENTION_JOB = "transcript-retention"


@dataclass(frozen=True)
class AuditEntry:
    """One privacy action: ``subject`` is ``user:<internal id>`` or ``transcripts``."""

    action: str
    actor: str
    subject: str
    detail: dict[str, Any]
    at: datetime


class PrivacyStore(Protocol):
    def find_user(self, platform: str, platform_id: str) -> User | None: ...

    def personal_data(self, user_id: int, *, internal_notes: bool) -> dict[str, Any]: ...

    def erase_person(self, user_id: int, now: datetime) -> dict[str, int]:
        """Counts of rows changed, by kind."""
        ...

    def purge_transcripts(self, before: datetime, now: datetime) -> dict[str, int]: ...

    def audit(
        self, action: str, actor: str, subject: str, detail: Mapping[str, Any], now: datetime
    ) -> None: ...

    def audit_log(self, limit: int = 100) -> Sequence[AuditEntry]: ...

    def claim_job_run(self, job: str, period: str, now: datetime) -> bool: ...


PrivacyUnitOfWork = Callable[[], AbstractContextManager[PrivacyStore]]


class UnknownPerson(LookupError):
    """No one is stored under that platform id (never seen, or already erased)."""


def parse_person(ref: str) -> tuple[str, str]:
    """``slack:U123`` -> ("slack", "U123"); anything else is a ``ValueError`` saying why."""
    platform, separator, ident = ref.strip().partition(":")
    if not separator or not platform or not ident:
        raise ValueError(f"{ref!r} is not PLATFORM:ID (e.g. slack:U0123 or discord:4242)")
    return platform.lower(), ident


class PersonalData:
    """Export and erasure for one person at a time, each written to the audit log."""

    def __init__(self, unit_of_work: PrivacyUnitOfWork, clock: Clock = utc_now) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock

    def export(self, ref: str, actor: str, *, internal_notes: bool = False) -> dict[str, Any]:
        now = self._clock()
        with self._unit_of_work() as store:
            user = _find(store, ref)
            data = store.personal_data(user.id, internal_notes=internal_notes)
            store.audit("export", actor, _subject(user), {"internal_notes": internal_notes}, now)
        return {"exported_at": now.isoformat(), **data}

    def erase(self, ref: str, actor: str) -> dict[str, int]:
        now = self._clock()
        with self._unit_of_work() as store:
            user = _find(store, ref)
            counts = store.erase_person(user.id, now)
            store.audit("erase", actor, _subject(user), counts, now)
        return counts


class TranscriptRetention:
    """Purges text older than ``transcript_retention_days`` once a day (0: keep forever).

    Once per UTC day across every tier0 process on the database (a job run is claimed
    first); the next day's run picks up whatever a failed run left.
    """

    def __init__(
        self, settings: PrivacySettings, unit_of_work: PrivacyUnitOfWork, clock: Clock = utc_now
    ) -> None:
        self._days = settings.transcript_retention_days
        self._unit_of_work = unit_of_work
        self._clock = clock

    def run(self) -> dict[str, int] | None:
        """What was purged, or None when retention is off or today's run already happened."""
        if not self._days:
            return None
        now = self._clock()
        with self._unit_of_work() as store:
            if not store.claim_job_run(RETENTION_JOB, now.date().isoformat(), now):
                return None
            before = now - timedelta(days=self._days)
            counts = store.purge_transcripts(before, now)
            detail = {"older_than": before.isoformat(), **counts}
            store.audit("retention_purge", "scheduler", "transcripts", detail, now)
        return counts


def _find(store: PrivacyStore, ref: str) -> User:
    platform, ident = parse_person(ref)
    user = store.find_user(platform, ident)
    if user is None:
        raise UnknownPerson(f"no one is stored as {platform}:{ident} (never seen, or erased)")
    return user


def _subject(user: User) -> str:
    return f"user:{user.id}"
