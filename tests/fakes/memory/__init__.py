"""An in-memory fake of the storage contract (``bot.store``), one module per domain, so
dialogue tests of the engine run without a database. ``tests/storage`` runs the same
contract tests on it as on SQLite and PostgreSQL, so it cannot drift from them."""

from tests.fakes.memory.store import MemoryDatabase, MemoryStore

__all__ = ["MemoryDatabase", "MemoryStore"]
