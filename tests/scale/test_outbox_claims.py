"""Workers claiming from one outbox: each action is sent by one worker, each conversation
in order, and a worker that dies leaves its claims to another once they run out. The
in-memory store is held to the same rules as the databases."""

from __future__ import annotations

from bot.delivery.outbox import Delivery, lane_of
from tests.scale.conftest import LEASE, enqueue, outboxes, race, replies
from tests.support.chat import FakeClock
from tests.support.databases import Backend

WORKERS = 8


def test_of_n_workers_claiming_one_reply_at_once_exactly_one_gets_it(
    backend: Backend, clock: FakeClock
) -> None:
    [reply_id] = enqueue(backend, clock, replies(1, 1))
    workers = outboxes(backend, clock, WORKERS)

    claims = race(WORKERS, lambda n: workers[n].claim("slack"))

    winners = [claim for claim in claims if claim]
    assert len(winners) == 1
    assert [d.id for d in winners[0]] == [reply_id]


def test_workers_claiming_at_once_share_the_backlog_without_overlap(
    backend: Backend, clock: FakeClock
) -> None:
    queued = enqueue(backend, clock, replies(lanes=24, per_lane=3))
    workers = outboxes(backend, clock, WORKERS)

    claims = race(WORKERS, lambda n: workers[n].claim("slack", limit=5))

    claimed = [d.id for claim in claims for d in claim]
    assert len(claimed) == len(set(claimed))
    # Whole lanes go to one worker: nobody holds part of a lane another worker holds.
    owners: dict[str, int] = {}
    for n, claim in enumerate(claims):
        for delivery in claim:
            assert owners.setdefault(lane_of(delivery.action), n) == n
    # What nobody took this round is still there for the next.
    leftover = workers[0].claim("slack", limit=1000)
    assert sorted(claimed + [d.id for d in leftover]) == queued


def test_a_lane_held_by_one_worker_is_not_sent_by_another_until_it_is_done(
    backend: Backend, clock: FakeClock
) -> None:
    first, second = outboxes(backend, clock, 2)
    enqueue(backend, clock, replies(1, 3))
    held = first.claim("slack")
    later = enqueue(backend, clock, replies(1, 1))  # the same thread, queued behind

    assert second.claim("slack") == []
    first.delivered(d.id for d in held)
    assert [d.id for d in second.claim("slack")] == later


def test_a_dead_workers_claims_go_to_another_worker_once_they_run_out(
    backend: Backend, clock: FakeClock
) -> None:
    dead, alive = outboxes(backend, clock, 2)
    queued = enqueue(backend, clock, replies(lanes=2, per_lane=2))
    assert [d.id for d in dead.claim("slack")] == queued  # ... and never reports back

    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert alive.claim("slack") == []
    clock.advance(seconds=2)
    assert [d.id for d in alive.claim("slack")] == queued


def test_what_may_have_been_sent_already_is_handed_out_as_such(
    backend: Backend, clock: FakeClock
) -> None:
    """A reply whose worker died while sending it, or whose try failed (perhaps after the
    platform took it), may be on the platform already; a fresh or given-back one is not."""
    dead, alive = outboxes(backend, clock, 2)
    orphaned, failed, released, fresh = enqueue(backend, clock, replies(lanes=4, per_lane=1))
    claimed = {d.id: d for d in dead.claim("slack", limit=3)}
    dead.failed(claimed[failed], "503 after posting?")
    dead.release([claimed[released]])
    assert sorted(claimed) == [orphaned, failed, released]
    assert not any(d.maybe_sent for d in claimed.values())

    clock.advance(seconds=LEASE.total_seconds() + 1)
    handed_out = {d.id: d.maybe_sent for d in alive.claim("slack")}

    assert handed_out == {orphaned: True, failed: True, released: False, fresh: False}


def test_released_claims_are_free_at_once(backend: Backend, clock: FakeClock) -> None:
    first, second = outboxes(backend, clock, 2)
    queued = enqueue(backend, clock, replies(1, 2))
    first.release(first.claim("slack"))

    assert [d.id for d in second.claim("slack")] == queued


def test_a_failure_holds_back_the_rest_of_its_lane_for_every_worker(
    backend: Backend, clock: FakeClock
) -> None:
    first, second = outboxes(backend, clock, 2)
    head, behind = enqueue(backend, clock, replies(1, 2))
    claimed = first.claim("slack")
    failed: Delivery = claimed[0]
    first.failed(failed, "HTTP 503")
    first.release(claimed[1:])

    assert second.claim("slack") == []  # the head waits for its retry; nothing jumps it
    clock.advance(seconds=2)
    assert [d.id for d in second.claim("slack")] == [head, behind]


def test_a_renewed_claim_holds_and_one_taken_over_is_not_renewed(
    backend: Backend, clock: FakeClock
) -> None:
    first, second = outboxes(backend, clock, 2)
    queued = enqueue(backend, clock, replies(1, 2))
    claimed = first.claim("slack")
    clock.advance(seconds=20)
    assert first.renew(claimed) == set(queued)
    clock.advance(seconds=20)  # 40 s after the claim, 20 s after renewing it
    assert second.claim("slack") == []

    clock.advance(seconds=LEASE.total_seconds())  # the first worker stalled for good
    assert [d.id for d in second.claim("slack")] == queued
    assert first.renew(claimed) == set()  # it must not send them now
