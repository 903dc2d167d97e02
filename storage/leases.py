"""Leases: a role only one process holds at a time (leading the scheduler), on any backend.

One statement takes or renews a lease: insert the row, or update it if this process holds
it already or its holder let it run out. PostgreSQL's row lock (SQLite's single writer)
makes concurrent attempts queue on that row, and each sees the previous one's result, so
exactly one of them wins. A holder that dies stops renewing; another takes over once the
lease has run out.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import LeaseRow

__all__ = ["DatabaseLease", "take_lease"]


def take_lease(session: Session, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Hold ``name`` until ``until`` if it is free, expired or already ``holder``'s."""
    dialect = session.get_bind().dialect.name
    insert: postgresql.Insert | sqlite.Insert
    if dialect == "postgresql":
        insert = postgresql.insert(LeaseRow)
    elif dialect == "sqlite":
        insert = sqlite.insert(LeaseRow)
    else:
        raise NotImplementedError(f"unsupported database dialect: {dialect}")
    values = {"name": name, "holder": holder, "expires_at": until}
    statement = (
        insert.values(values)
        .on_conflict_do_update(
            index_elements=[LeaseRow.name],
            set_={"holder": holder, "expires_at": until},
            where=or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now),
        )
        .returning(LeaseRow.name)
    )
    return session.execute(statement).first() is not None


class DatabaseLease:
    """One process's hold on the lease ``name``: ``hold`` takes or renews it for ``ttl``."""

    def __init__(
        self,
        engine: Engine,
        name: str,
        holder: str,
        ttl: timedelta,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._engine = engine
        self.name = name
        self.holder = holder
        self.ttl = ttl
        self._clock = clock

    def hold(self) -> bool:
        """Take or renew the lease; False while another process holds it."""
        now = self._clock()
        with Session(self._engine) as session, session.begin():
            return take_lease(session, self.name, self.holder, now, now + self.ttl)

    def let_go(self) -> None:
        """End the lease now (on a clean stop), so another process need not wait it out."""
        with Session(self._engine) as session, session.begin():
            session.execute(
                update(LeaseRow)
                .where(LeaseRow.name == self.name, LeaseRow.holder == self.holder)
                .values(expires_at=self._clock())
            )
