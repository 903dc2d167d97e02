"""The daily digest for each tier's triage channel: what is open, for how long, what slipped.

Posted once per platform and local day (the first scheduler to claim the day posts it),
on days the desk is open, from the configured time on: a process that was down at that
time posts it when it comes back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from babel.dates import format_date

from bot.actions import Action, PostDigest
from bot.i18n.catalogues import babel_locale
from bot.i18n.messages import say
from bot.jobs.context import JobContext
from bot.records import ACTIVE_STATUSES, Ticket

if TYPE_CHECKING:
    from bot.store.sla import SlaStore

__all__ = ["AGE_BUCKETS", "daily_digest"]

AGE_BUCKETS: tuple[tuple[timedelta | None, str], ...] = (
    (timedelta(days=1), "under 1 day"),
    (timedelta(days=3), "1-3 days"),
    (timedelta(days=7), "3-7 days"),
    (None, "over 7 days"),
)


def daily_digest(
    store: SlaStore, now: datetime, context: JobContext, platform: str
) -> list[Action]:
    """One ``PostDigest`` per tier, or nothing when it is not time or already posted."""
    policy = context.policy
    calendar = policy.desk(platform).calendar
    local = now.astimezone(calendar.zone)
    today = local.date()
    if not policy.digest or not calendar.works_on(today) or local.time() < policy.digest_time:
        return []
    if not store.claim_job_run("digest", f"{platform}:{today.isoformat()}", now):
        return []
    midnight = datetime.combine(today, time(0), tzinfo=calendar.zone)
    yesterday = datetime.combine(today - timedelta(days=1), time(0), tzinfo=calendar.zone)
    deflections = store.count_feedback(platform, "solved", yesterday, midnight)
    tickets = store.platform_tickets(platform, ACTIVE_STATUSES)
    priorities = list(reversed(context.desk.settings.priorities))
    digests: list[Action] = []
    for number, tier in enumerate(context.desk.settings.tiers, start=1):
        mine = [t for t in tickets if t.tier == number]
        digests.append(
            _digest(
                platform,
                number,
                tier.name,
                today,
                mine,
                priorities,
                deflections,
                now,
                context.desk.locale,
            )
        )
    return digests


def _digest(
    platform: str,
    tier: int,
    tier_name: str,
    day: date,
    tickets: Sequence[Ticket],
    priorities: Sequence[str],
    deflections: int,
    now: datetime,
    locale: str,
) -> PostDigest:
    by_priority = Counter(t.priority for t in tickets)
    by_age = Counter(_age(now - t.created_at) for t in tickets)
    priority_rows = tuple((p, by_priority[p]) for p in priorities if by_priority[p])
    age_rows = tuple((label, by_age[label]) for _, label in AGE_BUCKETS if by_age[label])
    unclaimed = tuple(t.key for t in tickets if t.status == "open")
    breached = tuple(
        t.key for t in tickets if t.sla.first_response_breached_at or t.sla.resolution_breached_at
    )
    lines = [
        say("sla.digest_title", locale, tier=tier_name, day=_day(day, locale)),
        say("sla.digest_open", locale, count=len(tickets)),
    ]
    if tickets:
        lines.append(say("sla.digest_priority", locale, counts=_counts(priority_rows)))
        lines.append(say("sla.digest_age", locale, counts=_counts(age_rows)))
    none = say("digest.none", locale)
    lines.append(say("sla.digest_unclaimed", locale, keys=", ".join(unclaimed) or none))
    lines.append(say("sla.digest_breached", locale, keys=", ".join(breached) or none))
    lines.append(say("sla.digest_deflections", locale, count=deflections))
    return PostDigest(
        platform=platform,
        tier=tier,
        tier_name=tier_name,
        day=day,
        text="\n".join(lines),
        open_by_priority=priority_rows,
        open_by_age=age_rows,
        unclaimed=unclaimed,
        breached=breached,
        deflections=deflections,
    )


def _day(day: date, locale: str) -> str:
    """``Monday 2 March 2026`` in the desk's language."""
    return format_date(day, say("date.day", locale), locale=babel_locale(locale))


def _age(age: timedelta) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or age < limit:
            return label
    return AGE_BUCKETS[-1][1]


def _counts(rows: Sequence[tuple[str, int]]) -> str:
    return ", ".join(f"{name} {count}" for name, count in rows)
