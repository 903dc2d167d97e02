"""Wiring: the one place that builds a running tier0 from settings.

Loads the knowledge base (reporting bad files, keeping the good ones) and keeps it live
(edits are picked up in the background), opens the database (creating or migrating its
schema) and builds the engine on top of both.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.clock import Clock, utc_now
from bot.conversation.engine import Engine
from bot.delivery.spool import EventSpool
from bot.settings import Settings
from kb import LiveKnowledgeBase, LoadError
from kb.calibration import find_calibration, load_calibration
from kb.index_cache import IndexCache, default_cache_dir
from kb.semantic import load_encoder
from storage.db import Database
from storage.spool import SqliteSpool, is_contention, is_outage

__all__ = ["App", "build_app", "open_kb"]

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    database: Database
    kb: LiveKnowledgeBase
    kb_errors: tuple[LoadError, ...]
    engine: Engine

    def close(self) -> None:
        self.kb.stop()
        self.database.close()


def open_kb(settings: Settings) -> LiveKnowledgeBase:
    """The live KB, its index mapped from the shared cache (built there, in a child
    process, if no worker built it yet)."""
    cache = IndexCache(settings.kb.cache_dir or default_cache_dir(), in_child=True)
    return LiveKnowledgeBase(
        settings.kb.paths,
        calibration_file=settings.kb.calibration,
        cache=cache,
        semantic=load_encoder(cache.folder) if settings.kb.semantic else None,
        default_audience=settings.kb.default_audience,
    )


def build_app(settings: Settings, *, clock: Clock = utc_now, wait_seconds: float = 0.0) -> App:
    calibration_file = settings.kb.calibration or find_calibration(settings.kb.paths)
    if calibration_file:
        load_calibration(calibration_file)  # a broken file stops start-up, naming itself
    kb = open_kb(settings)
    database = Database.open(
        settings.database.url,
        settings.tickets.key_prefix,
        wait_seconds=wait_seconds,
        pool_size=settings.database.pool_size,
        max_overflow=settings.database.max_overflow,
    )
    spool = EventSpool(SqliteSpool(settings.service.spool_path), is_outage, is_contention)
    engine = Engine(settings, kb, database.unit_of_work, clock, spool=spool)
    return App(settings, database, kb.start(), kb.errors, engine)
