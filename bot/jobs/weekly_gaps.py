"""The weekly KB-gaps post: the past week's unsettled questions, grouped (``kb.gaps``),
posted to each platform's ``[kb] gaps_channels`` channel on Mondays.

Like the digest: from ``sla.digest_time`` on a Monday in the platform desk's time zone,
once per ISO week (the first scheduler to claim the week posts it, a process that was
down at that time posts it when it comes back).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.actions import Action, Reply
from bot.events import Place
from bot.i18n.messages import say
from bot.jobs.context import JobContext
from bot.store.learning import GapsStore
from kb.gaps import GapCluster, find_gaps

__all__ = ["TOP_GAPS", "describe_gaps", "weekly_gaps"]

TOP_GAPS = 5
WEEK = timedelta(days=7)


def weekly_gaps(
    store: GapsStore, now: datetime, context: JobContext, platform: str, channel: str
) -> list[Action]:
    """The week's post for ``platform`` in ``channel``, or nothing when it is not time or
    it was posted already."""
    local = now.astimezone(context.policy.desk(platform).calendar.zone)
    if local.weekday() != 0 or local.time() < context.policy.digest_time:
        return []
    year, week, _ = local.isocalendar()
    if not store.claim_job_run("kb-gaps", f"{platform}:{year}-W{week:02d}", now):
        return []
    clusters = find_gaps(store.unsettled_questions(now - WEEK, now, platform))
    text = describe_gaps(clusters[:TOP_GAPS], platform, context.desk.locale)
    return [Reply(Place(platform, channel), text)]


def describe_gaps(clusters: list[GapCluster], platform: str, locale: str | None) -> str:
    lines = [say("kb_gaps.title", locale, platform=platform)]
    if not clusters:
        lines.append(say("kb_gaps.none", locale))
    for rank, cluster in enumerate(clusters, start=1):
        examples = "; ".join(f"“{e}”" for e in cluster.examples(2))
        lines.append(
            say("kb_gaps.item", locale, rank=rank, label=cluster.label, count=cluster.count)
            + (f" {say('kb_gaps.also', locale, examples=examples)}" if examples else "")
        )
    return "\n".join(lines)
