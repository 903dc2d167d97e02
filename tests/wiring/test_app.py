"""Wiring: the running bot uses the KB's calibration file when there is one."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from bot.settings import DatabaseSettings, KBSettings, Settings
from kb import KnowledgeBase, Thresholds, load_articles
from kb.calibrate import calibrate
from kb.calibration import CALIBRATION_FILE
from kb.queries import load_queries
from tier0.app import build_app

SAMPLE_QUERIES = Path(__file__).resolve().parents[1] / "kb" / "data" / "sample_queries.jsonl"


def test_a_calibration_file_beside_the_kb_sets_confidence_and_thresholds(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(Settings().kb.paths[0], kb_dir)
    kb = KnowledgeBase.build(load_articles([kb_dir]).articles)
    calibration = calibrate(kb, load_queries(SAMPLE_QUERIES), Thresholds(0.35, 0.15))
    calibration.save(kb_dir / CALIBRATION_FILE)
    settings = Settings(
        kb=KBSettings(paths=[kb_dir]), database=DatabaseSettings(url=f"sqlite:///{tmp_path}/t.db")
    )

    app = build_app(settings)
    try:
        assert app.engine.answerer.thresholds == calibration.thresholds
    finally:
        app.close()


def test_without_a_calibration_file_the_configured_thresholds_apply(tmp_path: Path) -> None:
    settings = Settings(database=DatabaseSettings(url=f"sqlite:///{tmp_path}/t.db"))

    app = build_app(settings)
    try:
        assert app.engine.answerer.thresholds == Thresholds(0.35, 0.15)
    finally:
        app.close()


def test_articles_that_name_no_audience_take_the_configured_default(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "coffee-machine.md").write_text(
        "---\ntitle: The coffee machine shows E42\nquestions: [coffee machine error e42]\n---\n"
        "Empty the drip tray.\n",
        encoding="utf-8",
    )
    settings = Settings(
        kb=KBSettings(paths=[kb_dir], default_audience="external", cache_dir=tmp_path / "cache"),
        database=DatabaseSettings(url=f"sqlite:///{tmp_path}/t.db"),
    )

    app = build_app(settings)
    try:
        assert [article.audience for article in app.kb.articles] == ["external"]
    finally:
        app.close()


def test_an_article_added_while_running_is_answered_within_seconds(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    shutil.copytree(Settings().kb.paths[0] / "en", kb_dir)
    settings = Settings(
        kb=KBSettings(paths=[kb_dir]), database=DatabaseSettings(url=f"sqlite:///{tmp_path}/t.db")
    )
    app = build_app(settings)
    try:
        before = app.kb.builds
        (kb_dir / "coffee-machine.md").write_text(
            "---\ntitle: The coffee machine shows error E42\nquestions:\n"
            "  - coffee machine error e42\n  - the coffee machine says E42\n"
            "  - espresso machine broken error code 42\n---\n"
            "Empty the drip tray and restart it.\n",
            encoding="utf-8",
        )
        deadline = time.monotonic() + 20
        while app.kb.builds == before and time.monotonic() < deadline:
            time.sleep(0.1)
        ranked = app.kb.rank("the coffee machine says E42")
        assert ranked and ranked[0].article.id == "coffee-machine"
    finally:
        app.close()
