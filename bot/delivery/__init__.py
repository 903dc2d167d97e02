"""Delivery: actions kept in the outbox until sent, events spooled through an outage, replay."""
