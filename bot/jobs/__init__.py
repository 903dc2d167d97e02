"""Scheduled jobs: the SLA sweep, the daily digest and the weekly KB-gaps post, and the runner
that does each in a unit of work and queues what it decided in the outbox."""
