"""Tickets: the desk that opens and resolves them, what agents do to them, and who may see them."""
