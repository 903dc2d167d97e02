"""What ``ix_messages_inbound_recent`` (Discord catch-up's look-back, migration 0013) costs
each inbound message: one insert and the later "handled" update, each in its own
transaction as the engine does them, with the index and without it, on the same database.

CPU is this process's plus, on a local PostgreSQL, its backend's (from /proc); rounds
alternate which variant goes first, and the median is reported, since the machine is
shared. Run: ``python -m bench.catch_up_index [--messages N] [--rounds R]``; writes
``bench/results/catch_up_index.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, text, update

from storage.models import Base, ConversationRow, MessageRow, UserRow
from tests.support.databases import POSTGRES_URL

RESULTS = Path(__file__).parent / "results"


def _backend_cpu(engine: Engine) -> Callable[[], float]:
    """Seconds of CPU the (pooled, reused) PostgreSQL backend used so far; 0 elsewhere."""
    if engine.dialect.name != "postgresql":
        return lambda: 0.0
    with engine.connect() as connection:
        pid = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
    stat = Path(f"/proc/{pid}/stat")
    if not stat.exists():
        return lambda: 0.0

    def read() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    return read


def per_message(engine: Engine, messages: int, with_index: bool) -> tuple[float, float]:
    """(CPU µs, wall µs) per inbound message on a fresh schema in ``engine``."""
    Base.metadata.create_all(engine)
    if not with_index:
        with engine.begin() as connection:
            connection.execute(text("DROP INDEX ix_messages_inbound_recent"))
    now = datetime.now(UTC)
    person = dict(platform="discord", created_at=now, updated_at=now)
    with engine.begin() as connection:
        connection.execute(
            insert(UserRow).values(
                platform_user_id="u", display_name="", role="requester", platform_roles="", **person
            )
        )
        connection.execute(
            insert(ConversationRow).values(
                channel="c", thread="", kind="requester", state="idle", offered="", **person
            )
        )
    server = _backend_cpu(engine)
    server_before, cpu_before, wall_before = server(), time.process_time(), time.perf_counter()
    for n in range(messages):
        row = dict(
            platform="discord",
            platform_message_id=str(n),
            conversation_id=1,
            user_id=1,
            direction="in",
            event_id=f"msg:{n}",
            event_kind="message",
            text="hello",
            created_at=now,
            handled_at=None,
        )
        with engine.begin() as connection:
            row_id = connection.execute(
                insert(MessageRow).values(row).returning(MessageRow.id)
            ).scalar_one()
        with engine.begin() as connection:
            connection.execute(
                update(MessageRow).where(MessageRow.id == row_id).values(handled_at=now)
            )
    cpu = time.process_time() - cpu_before + server() - server_before
    return cpu / messages * 1e6, (time.perf_counter() - wall_before) / messages * 1e6


def fresh(backend: str, round_: int) -> tuple[Engine, Callable[[], None]]:
    if backend == "sqlite":
        folder = tempfile.mkdtemp()
        engine = create_engine(f"sqlite:///{folder}/bench.db")
        return engine, engine.dispose
    schema = f"bench_catch_up_{os.getpid()}_{round_}"
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = create_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})

    def drop() -> None:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()

    return engine, drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    for backend in ("sqlite", "postgresql"):
        runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
        for round_ in range(args.rounds):
            for with_index in (True, False) if round_ % 2 else (False, True):
                engine, done = fresh(backend, round_ * 2 + with_index)
                try:
                    runs[with_index].append(per_message(engine, args.messages, with_index))
                finally:
                    done()
        median = {k: [statistics.median(r[i] for r in v) for i in (0, 1)] for k, v in runs.items()}
        results[backend] = {
            "cpu_us_without": median[False][0],
            "cpu_us_with": median[True][0],
            "wall_us_without": median[False][1],
            "wall_us_with": median[True][1],
            "cpu_ratio": median[True][0] / median[False][0],
        }
    RESULTS.mkdir(exist_ok=True)
    meta = {"messages": args.messages, "rounds": args.rounds, "load": os.getloadavg()}
    (RESULTS / "catch_up_index.json").write_text(json.dumps({**meta, **results}, indent=2))
    lines = [
        "# ix_messages_inbound_recent: cost per inbound message (insert + handled update)",
        "",
        f"{args.messages} messages x {args.rounds} rounds, medians; load average "
        f"{meta['load'][0]:.1f}. CPU: this process + local PostgreSQL backend.",
        "",
        "| database | CPU µs without | CPU µs with | ratio | wall µs without | wall µs with |",
        "|---|---|---|---|---|---|",
    ]
    for backend, r in results.items():
        lines.append(
            f"| {backend} | {r['cpu_us_without']:.0f} | {r['cpu_us_with']:.0f} | "
            f"{r['cpu_ratio']:.3f} | {r['wall_us_without']:.0f} | {r['wall_us_with']:.0f} |"
        )
    (RESULTS / "catch_up_index.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
