"""Old transcripts are purged once a day; tickets being worked and counts for reports stay."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from bot.events import Person, Place
from bot.jobs.runner import Jobs
from bot.privacy.personal_data import TranscriptRetention
from bot.privacy.traces import REMOVED
from bot.settings import PrivacySettings, Settings
from storage.models import OutboxRow
from storage.privacy import privacy_unit_of_work
from tests.privacy.conftest import (
    CAROLS_QUESTION,
    YOUR_COMMENT,
    YOUR_QUESTION,
    History,
    rows,
    stored_text,
    table_counts,
)
from tier0.scheduler import JobScheduler

KEEP_30_DAYS = PrivacySettings(transcript_retention_days=30)


def retention(history: History, settings: PrivacySettings = KEEP_30_DAYS) -> TranscriptRetention:
    return TranscriptRetention(settings, privacy_unit_of_work(history.database), history.chat.clock)


def close_resolved_tickets(history: History) -> None:
    """Let the reopen window pass and the SLA sweep close T-1 (carol's T-2 stays open)."""
    history.chat.clock.advance(days=8)
    Jobs(Settings(), history.database.unit_of_work, history.chat.clock).sweep()


def everything_sent(history: History) -> None:
    """What the adapters' dispatchers do: every queued action was sent when it was queued."""
    with history.database.session() as session, session.begin():
        session.execute(update(OutboxRow).values(sent_at=OutboxRow.created_at))


def texts(history: History) -> list[str]:
    return [text for (text,) in rows(history.database, "messages", "text")]


def test_a_closed_tickets_transcript_is_purged_once_older_than_the_retention(
    history: History,
) -> None:
    close_resolved_tickets(history)
    everything_sent(history)
    history.chat.clock.advance(days=40)

    counts = retention(history).run()

    assert counts is not None and counts["messages"] > 0 and counts["tickets"] == 1
    everything = stored_text(history.database)
    assert YOUR_QUESTION not in everything and YOUR_COMMENT not in everything
    subjects = rows(history.database, "tickets", "subject")
    assert subjects == [(REMOVED,), (CAROLS_QUESTION,)]
    assert (None, None) in {
        (comment, question)
        for (comment, question) in rows(history.database, "feedback", "comment", "question")
    }


def test_a_ticket_still_being_worked_keeps_its_transcript_however_old(history: History) -> None:
    close_resolved_tickets(history)
    history.chat.clock.advance(days=40)

    retention(history).run()

    assert CAROLS_QUESTION in texts(history)


def test_purging_keeps_every_row_timing_and_rating(history: History) -> None:
    close_resolved_tickets(history)
    history.chat.clock.advance(days=40)
    database = history.database
    timings = rows(database, "tickets", "status", "created_at", "first_response_at", "closed_at")
    ratings = rows(database, "feedback", "kind", "rating", "created_at")
    counts = {k: v for k, v in table_counts(database).items() if k != "outbox"}

    retention(history).run()

    assert rows(database, "tickets", "status", "created_at", "first_response_at", "closed_at") == (
        timings
    )
    assert rows(database, "feedback", "kind", "rating", "created_at") == ratings
    after = {k: v for k, v in table_counts(database).items() if k != "outbox"}
    assert after == {
        **counts,
        "audit_log": counts["audit_log"] + 1,
        "job_runs": counts["job_runs"] + 1,
    }


def test_nothing_newer_than_the_retention_is_touched(history: History) -> None:
    close_resolved_tickets(history)
    history.chat.clock.advance(days=10)  # 18 days after the conversation
    before = texts(history)

    counts = retention(history).run()

    assert counts is not None and set(counts.values()) == {0}
    assert texts(history) == before


def test_a_message_never_handled_is_kept_for_the_replay(history: History) -> None:
    with history.database.unit_of_work() as store:
        now = history.chat.clock()
        dave = store.save_user(Person("slack", "U0DAVE", "Dave"), "requester", now)
        place = store.conversation(Place("slack", "D0DAVE"), now)
        store.record_inbound("1.0001", "printer on fire", dave, place, now, event_id="Ev1")
    history.chat.clock.advance(days=40)

    retention(history).run()

    assert "printer on fire" in texts(history)


def test_it_runs_once_a_day_and_each_run_is_in_the_audit_log(history: History) -> None:
    close_resolved_tickets(history)
    history.chat.clock.advance(days=40)
    purge = retention(history)

    first, again = purge.run(), purge.run()
    history.chat.clock.advance(days=1)
    next_day = purge.run()

    assert first is not None and again is None and next_day is not None
    with privacy_unit_of_work(history.database)() as store:
        log = list(store.audit_log())
    assert [(e.action, e.actor, e.subject) for e in log] == [
        ("retention_purge", "scheduler", "transcripts")
    ] * 2
    cutoff = history.chat.clock() - timedelta(days=30)
    assert log[0].detail["older_than"] == cutoff.isoformat()
    assert log[1].detail["messages"] == first["messages"]


def test_a_retention_of_zero_days_keeps_everything(history: History) -> None:
    close_resolved_tickets(history)
    history.chat.clock.advance(days=4000)
    before = texts(history)

    assert retention(history, PrivacySettings()).run() is None
    assert texts(history) == before


def test_the_running_scheduler_purges_at_start_up(history: History) -> None:
    close_resolved_tickets(history)
    everything_sent(history)
    history.chat.clock.advance(days=40)
    jobs = Jobs(Settings(), history.database.unit_of_work, history.chat.clock)
    scheduler = JobScheduler(jobs, [], retention=retention(history).run)

    async def until_purged() -> None:
        scheduler.start()
        try:
            for _ in range(200):
                if YOUR_QUESTION not in texts(history):
                    return
                await asyncio.sleep(0.05)
        finally:
            scheduler.shutdown()

    asyncio.run(until_purged())

    assert YOUR_QUESTION not in texts(history)
