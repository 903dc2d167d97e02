"""Requesters' data: export what is stored about a person, erase it, purge old transcripts.

Each runs in one unit of work together with its audit-log entry, so the change and the
record of it commit together or not at all. Erasing and purging blank text but keep rows,
timestamps and numbers: ticket counts, response times and ratings still add up.

Erasure also reaches the copies of the person's words tier0 made outside their own rows
(``bot.privacy.traces``) and the KB articles learned from their tickets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.clock import Clock, utc_now
from bot.privacy.traces import AuditEntry, Traces
from bot.records import User
from bot.settings import PrivacySettings
from bot.store.sla import JobRuns
from bot.store.unit_of_work import UnitOfWork
from kb.index_cache import clear_builds
from kb.writer import learned_from

__all__ = [
    "PersonalData",
    "PrivacyStore",
    "PrivacyUnitOfWork",
    "TranscriptRetention",
    "UnknownPerson",
    "parse_person",
]

RETENTION_JOB = "transcript-retention"


class PrivacyStore(JobRuns, Protocol):
    """What export, erasure and retention read and change (retention runs once a day)."""

    def find_user(self, platform: str, platform_id: str) -> User | None: ...

    def traces(self, user_id: int) -> Traces: ...

    def personal_data(
        self, user_id: int, traces: Traces, *, internal_notes: bool
    ) -> dict[str, Any]: ...

    def erase_person(self, user_id: int, traces: Traces, now: datetime) -> dict[str, int]:
        """Counts of rows changed, by kind."""
        ...

    def purge_transcripts(self, before: datetime, now: datetime) -> dict[str, int]: ...

    def audit(
        self, action: str, actor: str, subject: str, detail: Mapping[str, Any], now: datetime
    ) -> None: ...

    def audit_log(self, limit: int = 100) -> Sequence[AuditEntry]: ...


PrivacyUnitOfWork = UnitOfWork[PrivacyStore]


class UnknownPerson(LookupError):
    """No one is stored under that platform id (never seen, or already erased)."""


def parse_person(ref: str) -> tuple[str, str]:
    """``slack:U123`` -> ("slack", "U123"); anything else is a ``ValueError`` saying why."""
    platform, separator, ident = ref.strip().partition(":")
    if not separator or not platform or not ident:
        raise ValueError(f"{ref!r} is not PLATFORM:ID (e.g. slack:U0123 or discord:4242)")
    return platform.lower(), ident


class PersonalData:
    """Export and erasure for one person at a time, each written to the audit log.

    ``learned`` is the folder of articles learned from tickets
    (``bot.learning.save_article``), if any; ``index_caches`` the folder of KB index builds
    (``[kb] cache_dir``), which hold the words of the articles they were built from.
    """

    def __init__(
        self,
        unit_of_work: PrivacyUnitOfWork,
        clock: Clock = utc_now,
        learned: Path | None = None,
        index_caches: Path | None = None,
    ) -> None:
        self._unit_of_work = unit_of_work
        self._clock = clock
        self._learned = learned
        self._index_caches = index_caches

    def export(self, ref: str, actor: str, *, internal_notes: bool = False) -> dict[str, Any]:
        now = self._clock()
        with self._unit_of_work() as store:
            user = _find(store, ref)
            traces = store.traces(user.id)
            data = store.personal_data(user.id, traces, internal_notes=internal_notes)
            store.audit("export", actor, _subject(user), {"internal_notes": internal_notes}, now)
        articles = [
            {"id": path.stem, "file": str(path), "source_ticket": key}
            for path, key in self._articles_from(traces)
        ]
        return {"exported_at": now.isoformat(), **data, "learned_articles": articles}

    def erase(self, ref: str, actor: str) -> dict[str, int]:
        """Erase the person's data, then the articles learned from their tickets and
        every KB index build (which may hold those articles' words; all are rebuildable).

        The files go inside the database's transaction, before it commits: if removing one
        fails, nothing is committed and the person can be erased again (they are still
        known); the builds go first, so a retry still finds the articles that call for
        it. Once the files are gone only the commit is left, and a commit that fails
        leaves the same state, so no article outlives an erasure that was asked for.
        """
        now = self._clock()
        with self._unit_of_work() as store:
            user = _find(store, ref)
            traces = store.traces(user.id)
            articles = self._articles_from(traces)
            # An article's id is made from its title, by default the person's question,
            # and it is quoted where the article was saved ("Saved T-1 as the article ...").
            traces = traces.naming(path.stem for path, _ in articles)
            counts = store.erase_person(user.id, traces, now)
            if articles and self._index_caches is not None:
                counts["index_caches"] = clear_builds(self._index_caches)
            for path, _ in articles:
                path.unlink(missing_ok=True)
            counts["learned_articles"] = len(articles)
            store.audit("erase", actor, _subject(user), counts, now)
        return counts

    def _articles_from(self, traces: Traces) -> list[tuple[Path, str]]:
        """Learned articles drafted from the person's tickets: their title and phrasings are
        the person's own words (``bot.learning.drafts``), so the whole file goes, not only
        the quoted words; an article without them would have nothing to be found by."""
        if self._learned is None:
            return []
        return learned_from(self._learned, traces.ticket_keys)


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
