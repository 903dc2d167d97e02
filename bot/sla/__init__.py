"""Service levels: due times from business hours, the sweep that reminds and breaches, and
the daily digest."""
