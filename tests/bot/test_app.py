"""Wiring: the running bot uses the KB's calibration file when there is one."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.app import build_app
from bot.config import DatabaseSettings, KBSettings, Settings
from kb import KnowledgeBase, Thresholds, load_articles
from kb.calibration import CALIBRATION_FILE, calibrate
from kb.queries import load_queries

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
