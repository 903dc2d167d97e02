"""A database that cannot write (its disk is full, PostgreSQL is read-only) is an outage,
not one message's failure: the event waits in the spool and is handled exactly once when
the database writes again. Where the spool's disk is full too, nothing is kept, so the
writer is told so (never that it is saved), and Slack is made to send the event again."""

from __future__ import annotations

import asyncio
import errno
import logging
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import Engine as SqlEngine
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from adapters.delivery import Dispatcher
from bot.actions import Refuse
from bot.conversation.engine import Engine
from bot.delivery.outbox import Delivery
from bot.delivery.spool import EventSpool
from bot.i18n.messages import say
from bot.settings import Settings
from kb import KnowledgeBase
from storage.db import Database, connect, upgrade
from storage.spool import SqliteSpool, is_contention, is_outage
from tests.adapters.slack.harness import CAROL, HELP, Mode, SlackBot
from tests.fakes.slack_server import FakeSlack
from tests.support import databases
from tests.support.chat import Chat, FakeClock


class SmallDisk:
    """A file system of a few megabytes of its own (tmpfs), to fill up and free again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._filler = folder / "filler"

    def fill(self) -> None:
        """Write until the file system says it has no space left."""
        with self._filler.open("ab", buffering=0) as filler:
            for chunk in (1 << 16, 1 << 12, 1 << 9, 1):
                try:
                    while True:
                        filler.write(b"\0" * chunk)
                except OSError as error:
                    assert error.errno == errno.ENOSPC, error

    def free(self) -> None:
        self._filler.unlink()


@contextmanager
def small_disk(folder: Path) -> Iterator[SmallDisk]:
    """A tmpfs of 16 MB mounted at ``folder`` (mounting takes root, which CI runs tests as)."""
    folder.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], check=True)
    try:
        yield SmallDisk(folder)
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=True)


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[SmallDisk]:
    with small_disk(tmp_path / "disk") as mounted:
        yield mounted


@pytest.fixture
def on_disk(disk: SmallDisk, _sqlite_template: Path) -> Iterator[Database]:
    """The tier0 database as a SQLite file on the small disk."""
    path = disk.folder / "tier0.db"
    shutil.copyfile(_sqlite_template, path)
    db = Database(connect(f"sqlite:///{path}"))
    yield db
    db.close()


def settle(database: Database) -> None:
    """Fold the write-ahead log into the file and empty it, so the next write must grow a
    file: on a full disk it cannot."""
    path = database.engine.url.database
    assert path
    with closing(sqlite3.connect(path)) as connection:
        busy, _, _ = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert not busy


def chat_with_spool(
    database: Database, spool: SqliteSpool, kb: KnowledgeBase, clock: FakeClock
) -> Chat:
    rules = EventSpool(spool, is_outage, is_contention)
    return Chat(Engine(Settings(), kb, database.unit_of_work, clock, spool=rules), clock)


def inbound(database: Database) -> list[tuple[str, bool]]:
    """Each stored inbound message and whether it was handled, oldest first."""
    with database.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT text, handled_at FROM messages WHERE direction = 'in' ORDER BY id")
        ).all()
    return [(row[0], row[1] is not None) for row in rows]


# -- what counts as an outage -----------------------------------------------------------------


def refused_write(engine: SqlEngine, statement: str = "CREATE TABLE t (x TEXT)") -> DBAPIError:
    try:
        with engine.begin() as connection:
            connection.execute(text(statement))
    except DBAPIError as error:
        return error
    finally:
        engine.dispose()
    raise AssertionError("the write was taken")


def test_a_full_disk_and_a_read_only_database_are_outages_a_lone_surrogate_is_not(
    disk: SmallDisk, tmp_path: Path, postgres: str
) -> None:
    sqlite3.connect(tmp_path / "ro.db").close()
    read_only = refused_write(
        create_engine(f"sqlite:///file:{tmp_path / 'ro.db'}?mode=ro&uri=true")
    )
    disk.fill()
    full = refused_write(create_engine(f"sqlite:///{disk.folder / 'full.db'}"))
    pg_read_only = refused_write(
        create_engine(postgres, connect_args={"options": "-cdefault_transaction_read_only=on"}),
        "CREATE TABLE tier0_never (x TEXT)",
    )
    surrogate = []
    for url in (f"sqlite:///{tmp_path / 'text.db'}", postgres):
        with pytest.raises(UnicodeEncodeError) as raised, create_engine(url).connect() as db:
            db.execute(text("SELECT :t"), {"t": "caf\udce9"})
        surrogate.append(raised.value)

    assert [e.orig.sqlite_errorname for e in (read_only, full)] == [  # type: ignore[union-attr]
        "SQLITE_READONLY",
        "SQLITE_FULL",
    ]
    assert pg_read_only.orig.sqlstate == "25006"  # type: ignore[union-attr]
    for error in (read_only, full, pg_read_only):
        assert is_outage(error) and not is_contention(error), error
    for error in surrogate:
        assert not is_outage(error) and not is_contention(error)


@pytest.fixture
def postgres() -> Iterator[str]:
    with databases.fresh_schema_or_skip("tier0_full"):
        yield databases.POSTGRES_URL


# -- through the engine ------------------------------------------------------------------------


def test_on_a_full_disk_a_message_is_spooled_and_handled_once_when_space_is_freed(
    disk: SmallDisk,
    on_disk: Database,
    spool: SqliteSpool,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> None:
    chat = chat_with_spool(on_disk, spool, sample_kb, clock)
    chat.say("talk to a human")
    settle(on_disk)
    disk.fill()

    during = chat.say("detail 1")
    disk.free()
    after = chat.say("detail 2")
    chat.engine.replay_unhandled()  # nothing left for it

    assert during.refusal() == say("spool.kept")
    assert not after.of(Refuse) and len(spool) == 0
    assert inbound(on_disk) == [("talk to a human", True), ("detail 1", True), ("detail 2", True)]


def test_when_the_spool_is_on_the_full_disk_too_the_writer_is_told_nothing_was_kept(
    disk: SmallDisk,
    on_disk: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> None:
    spool = SqliteSpool(disk.folder / "spool" / "tier0-spool.sqlite")
    chat = chat_with_spool(on_disk, spool, sample_kb, clock)
    chat.say("talk to a human")
    settle(on_disk)
    disk.fill()

    lost = chat.say("detail 1")
    again = chat.say("detail 2")
    disk.free()
    resent = chat.say("detail 1, sent again")
    spool.close()

    for turn in (lost, again):
        assert turn.refusal() == say("spool.not_kept")
        assert "saved" not in turn.refusal() and "kept your message" not in turn.refusal()
    assert not resent.of(Refuse)
    assert inbound(on_disk) == [("talk to a human", True), ("detail 1, sent again", True)]


def test_a_spool_whose_own_disk_is_full_does_not_stand_in_the_way_once_the_database_is_back(
    disk: SmallDisk,
    on_disk: Database,
    tmp_path: Path,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> None:
    with small_disk(tmp_path / "spool disk") as spool_disk:
        spool = SqliteSpool(spool_disk.folder / "tier0-spool.sqlite")
        chat = chat_with_spool(on_disk, spool, sample_kb, clock)
        settle(on_disk)
        disk.fill()
        spool_disk.fill()

        lost = chat.say("my vpn won't connect")
        disk.free()  # the database's disk has room again; the spool's has not
        after = chat.say("my vpn won't connect, sent again")
        spool.close()

    assert lost.refusal() == say("spool.not_kept")
    assert after.answer() and not after.of(Refuse)
    assert inbound(on_disk) == [("my vpn won't connect, sent again", True)]


@pytest.fixture
def private_database() -> Iterator[tuple[Database, SqlEngine, str]]:
    """A PostgreSQL database of this test's own on the shared server (settings such as
    read-only apply per database), its administrator's connection and its name."""
    name = f"tier0_readonly_{uuid.uuid4().hex[:12]}"
    with databases.fresh_schema_or_skip("tier0_readonly"), ExitStack() as cleanup:
        admin = create_engine(databases.POSTGRES_URL, isolation_level="AUTOCOMMIT")
        cleanup.callback(admin.dispose)
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        cleanup.callback(run, admin, f'DROP DATABASE "{name}" WITH (FORCE)')
        url = make_url(databases.POSTGRES_URL).set(database=name)
        engine = connect(url.render_as_string(hide_password=False))
        upgrade(engine)
        database = Database(engine)
        cleanup.callback(database.close)
        yield database, admin, name


def run(engine: SqlEngine, statement: str) -> None:
    with engine.connect() as connection:
        connection.execute(text(statement))


def read_only(admin: SqlEngine, name: str) -> None:
    """As after a fail-over to a standby, or an administrator stopping writes: the
    sessions are cut, and the new ones cannot write."""
    run(admin, f'ALTER DATABASE "{name}" SET default_transaction_read_only = on')
    run(admin, f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")


def writable(admin: SqlEngine, name: str) -> None:
    """New sessions can write again (the ones opened meanwhile stay read-only for life)."""
    run(admin, f'ALTER DATABASE "{name}" SET default_transaction_read_only = off')


def test_a_read_only_postgresql_keeps_events_until_it_writes_again(
    private_database: tuple[Database, SqlEngine, str],
    spool: SqliteSpool,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> None:
    database, admin, name = private_database
    chat = chat_with_spool(database, spool, sample_kb, clock)
    chat.say("talk to a human")
    read_only(admin, name)

    during = [chat.say(f"detail {n}") for n in (1, 2)]
    writable(admin, name)
    after = chat.say("detail 3")

    assert [turn.refusal() for turn in during] == [say("spool.kept")] * 2
    assert not after.of(Refuse) and len(spool) == 0
    assert inbound(database) == [
        ("talk to a human", True),
        ("detail 1", True),
        ("detail 2", True),
        ("detail 3", True),
    ]


def test_the_delivery_loop_waits_out_a_read_only_database_and_sends_the_reply_once(
    private_database: tuple[Database, SqlEngine, str],
    spool: SqliteSpool,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    database, admin, name = private_database
    chat = chat_with_spool(database, spool, sample_kb, clock)
    sent: list[Delivery] = []

    async def send(delivery: Delivery) -> None:
        sent.append(delivery)

    async def read_only_then_writable() -> list[Delivery]:
        dispatcher = Dispatcher(chat.engine.outbox, "console", send, outage=is_outage)
        stop = asyncio.Event()
        running = asyncio.create_task(dispatcher.run(stop, interval=0.05))
        await asyncio.sleep(1.0)  # about 20 tries, each refused
        during = list(sent)
        await asyncio.to_thread(writable, admin, name)
        for _ in range(200):
            if sent:
                break
            await asyncio.sleep(0.05)
        stop.set()
        await running
        return during

    answered = chat.say("my vpn won't connect")  # stored in the outbox; sending is the loop's
    read_only(admin, name)
    caplog.set_level(logging.WARNING, logger="adapters.delivery")
    during = asyncio.run(read_only_then_writable())

    assert during == []
    assert [d.action for d in sent] == answered.actions
    told = [r.getMessage() for r in caplog.records if r.name == "adapters.delivery"]
    assert len(told) == 2, told
    assert "ReadOnlySqlTransaction" in told[0]
    assert told[1].startswith("console delivery loop: database reachable again after")
    assert not any(r.exc_info for r in caplog.records if r.name == "adapters.delivery")


# -- through Slack -----------------------------------------------------------------------------


@pytest.fixture(params=["socket", "http"])
def mode(request: pytest.FixtureRequest) -> Mode:
    return cast(Mode, request.param)


def running(bot: SlackBot, spool: SqliteSpool) -> Iterator[SlackBot]:
    bot.engine.spool = EventSpool(spool, is_outage, is_contention)
    bot.start()
    try:
        yield bot
    finally:
        bot.close()


@pytest.fixture
def slack_on_disk(
    mode: Mode,
    slack: FakeSlack,
    disk: SmallDisk,
    on_disk: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> Iterator[SlackBot]:
    """The Slack adapter (each mode) whose database, inbox and spool all sit on the small
    disk."""
    spool = SqliteSpool(disk.folder / "spool" / "tier0-spool.sqlite")
    inbox = disk.folder / "inbox"
    yield from running(SlackBot(slack, mode, on_disk, sample_kb, clock, inbox_folder=inbox), spool)
    spool.close()


@pytest.fixture
def slack_full_database(
    mode: Mode,
    slack: FakeSlack,
    on_disk: Database,
    spool: SqliteSpool,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
) -> Iterator[SlackBot]:
    """The Slack adapter (each mode) whose database alone sits on the small disk."""
    yield from running(SlackBot(slack, mode, on_disk, sample_kb, clock), spool)


def test_slack_is_made_to_send_an_event_again_that_a_full_disk_could_not_keep(
    slack_on_disk: SlackBot, disk: SmallDisk, on_disk: Database
) -> None:
    bot = slack_on_disk
    event = bot.fake.payloads.message_event("my vpn won't connect", user=CAROL, channel=HELP)
    settle(on_disk)
    disk.fill()

    if bot.mode == "socket":
        envelope = bot.fake.push_event(event, event_id="Ev-full")
        with pytest.raises(AssertionError):
            bot.fake.wait_for_ack(envelope, timeout=2)  # unanswered: Slack will send it again
        disk.free()
        bot.fake.wait_for_ack(bot.fake.redeliver(envelope))
    else:
        bot.fake.world.store_message(HELP, dict(event))
        refused = bot.sender().send_event(event, event_id="Ev-full")
        assert refused.status >= 500  # Slack retries an event not answered with a 2xx
        disk.free()
        assert bot.sender().send_event(event, event_id="Ev-full", retry_num=1).status == 200

    bot.posted(HELP, "VPN", thread_ts=str(event["ts"]))
    assert inbound(on_disk) == [("my vpn won't connect", True)]
    assert replies(bot, CAROL) == []  # not told anything was kept: it was not
    assert len(bot.fake.calls("chat.postMessage")) == 1


def replies(bot: SlackBot, user: str) -> list[str]:
    """What the bot told ``user`` alone (refusals go as ephemeral messages)."""
    calls = bot.fake.calls("chat.postEphemeral")
    return [str(c.params["text"]) for c in calls if c.params.get("user") == user]


def test_on_slack_a_message_the_full_database_could_not_take_is_kept_and_answered_once_after(
    slack_full_database: SlackBot,
    disk: SmallDisk,
    on_disk: Database,
    spool: SqliteSpool,
) -> None:
    bot = slack_full_database
    settle(on_disk)
    disk.fill()
    during = bot.say(CAROL, "my vpn won't connect", HELP)
    bot.ephemeral(CAROL, say("spool.kept", "pt-BR"))
    disk.free()
    bot.engine.replay_unhandled()  # what the next scheduler sweep runs

    bot.posted(HELP, "VPN", thread_ts=str(during["ts"]))
    assert len(spool) == 0
    assert inbound(on_disk) == [("my vpn won't connect", True)]
    assert len(bot.fake.calls("chat.postMessage")) == 1
    assert replies(bot, CAROL) == [say("spool.kept", "pt-BR")]


def wait_for_log(caplog: pytest.LogCaptureFixture, words: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not any(words in r.getMessage() for r in caplog.records):
        assert time.monotonic() < deadline, f"no log line says {words!r}"
        time.sleep(0.05)


@pytest.fixture
def retry_delays() -> tuple[float, ...]:
    """When the inbox tries a payload again (a test may ask for none: its one try is the
    last)."""
    return (1.0, 1.0, 1.0)


@pytest.fixture
def slack_full_database_and_spool(
    mode: Mode,
    slack: FakeSlack,
    disk: SmallDisk,
    on_disk: Database,
    sample_kb: KnowledgeBase,
    clock: FakeClock,
    retry_delays: tuple[float, ...],
) -> Iterator[SlackBot]:
    """The Slack adapter (each mode) whose database and spool sit on the small disk, full
    once the test fills it, its inbox on a healthy one."""
    spool = SqliteSpool(disk.folder / "spool" / "tier0-spool.sqlite")
    bot = SlackBot(slack, mode, on_disk, sample_kb, clock, retry_delays=retry_delays)
    yield from running(bot, spool)
    spool.close()


def test_on_slack_an_event_nothing_could_keep_waits_in_the_inbox_and_is_answered_once_after(
    slack_full_database_and_spool: SlackBot,
    disk: SmallDisk,
    on_disk: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    bot = slack_full_database_and_spool
    settle(on_disk)
    disk.fill()
    during = bot.say(CAROL, "my vpn won't connect", HELP)
    wait_for_log(caplog, "trying again in")  # the inbox keeps it for another try
    disk.free()

    bot.posted(HELP, "VPN", thread_ts=str(during["ts"]))
    assert inbound(on_disk) == [("my vpn won't connect", True)]
    assert len(bot.fake.calls("chat.postMessage")) == 1
    assert replies(bot, CAROL) == []  # neither "kept" nor "send it again": it was kept


@pytest.mark.parametrize("retry_delays", [()])
def test_on_slack_an_event_that_cannot_be_kept_on_its_last_try_is_asked_for_again(
    slack_full_database_and_spool: SlackBot, disk: SmallDisk, on_disk: Database
) -> None:
    bot = slack_full_database_and_spool
    settle(on_disk)
    disk.fill()
    bot.say(CAROL, "my vpn won't connect", HELP)

    bot.ephemeral(CAROL, say("spool.not_kept", "pt-BR"))
    assert inbound(on_disk) == []
