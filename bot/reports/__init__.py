"""Reports on how the help desk did: what the bot answered, tickets, SLAs, satisfaction.

``storage.reports`` reads the figures' raw material from the database (``data``);
``figures`` turns it into a ``Report``; ``tables``, ``charts`` and ``page`` show it. The
package itself imports nothing, so storage importing ``data`` loads no report code.
"""
