"""``tier0 demo seed`` and ``tier0 report`` on its month: what the simulation did is what the
report reads back; the HTML and PNG outputs are complete and self-contained."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.conversation.engine import Engine
from bot.events import Person, Place
from bot.jobs.runner import Jobs
from bot.reports.data import ReportWindow
from bot.reports.figures import build_report
from bot.settings import Settings, TicketSettings
from kb import KnowledgeBase
from storage.db import Database
from storage.reports import load_report_data
from tier0.cli.main import main
from tier0.demo import SeedSummary, seed_month
from tier0.demo.cast import TIERS
from tier0.demo.month import DemoClock

END = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def seed(database: Database, kb: KnowledgeBase, days: int, volume: float) -> SeedSummary:
    settings = Settings(tickets=TicketSettings(tiers=TIERS))
    clock = DemoClock(END)
    engine = Engine(settings, kb, database.unit_of_work, clock)
    jobs = Jobs(settings, database.unit_of_work, clock)
    return seed_month(engine, jobs, clock, kb.articles, end=END, days=days, volume=volume)


def test_the_report_reads_back_what_the_demo_did(
    database: Database, sample_kb: KnowledgeBase
) -> None:
    done = seed(database, sample_kb, days=3, volume=0.3)
    with database.session() as session:
        report = build_report(load_report_data(session, ReportWindow.last(timedelta(days=3), END)))

    assert done.questions > 20 and done.tickets > 5 and done.ratings  # a real workload
    assert report.questions == done.questions
    assert report.solved == done.solved_pressed
    assert report.still_need_help == done.still_need_help_pressed
    assert report.tickets_opened == done.tickets
    assert dict(report.csat.distribution) == {r: Counter(done.ratings)[r] for r in range(1, 6)}
    assert sum(d.questions for d in report.days) == done.questions
    assert {d.day for d in report.days} == {(END - timedelta(days=n)).date() for n in range(4)}


def test_report_command_writes_html_and_png(
    tmp_path: Path, sample_kb: KnowledgeBase, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    database = Database.open(url)
    seed(database, sample_kb, days=2, volume=0.2)
    database.close()
    config = tmp_path / "tier0.toml"
    config.write_text(f'[database]\nurl = "{url}"\n')
    html, charts = tmp_path / "report.html", tmp_path / "charts"

    assert (
        main(
            [
                "--config",
                str(config),
                "report",
                "--since",
                "3650d",
                "--html",
                str(html),
                "--png",
                str(charts),
            ]
        )
        == 0
    )

    out = capsys.readouterr().out
    assert "Questions asked" in out and "Articles, worst first" in out
    page = html.read_text()
    assert page.count("<svg") == 3
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing fetched
    assert "Solved without a person (deflection)" in page and "Agents" in page
    for name in ("volume", "deflection", "resolution"):
        png = (charts / f"{name}.png").read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 10_000


def test_the_demo_seeds_only_an_empty_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    config = tmp_path / "tier0.toml"
    config.write_text(f'[database]\nurl = "{url}"\n')
    database = Database.open(url)
    with database.unit_of_work() as store:
        user = store.save_user(Person("console", "x"), "requester", END)
        conversation = store.conversation(Place("console", "main"), END)
        store.record_question(conversation, user, "printer", "escalate", END)
    database.close()

    assert main(["--config", str(config), "demo", "seed", "--days", "1"]) == 1
    assert "already has questions or tickets" in capsys.readouterr().out
