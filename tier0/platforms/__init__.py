"""Building each platform's adapter from the running application: its secrets, its local
and shared state, and the engine's narrow interface (``adapters.engine_port``).

One module per platform, imported only when that platform is enabled, so an unused
platform's library is never loaded.
"""
