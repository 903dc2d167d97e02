"""``GET /healthz`` and ``GET /metrics`` for ``tier0 run``, on their own small HTTP server.

A thread serves them beside the adapters, so a scrape never waits on the event loop.
Off unless ``[service] metrics_port`` is set; loopback only unless ``metrics_host`` says
otherwise, as neither needs to be seen from outside the host's monitoring.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from sqlalchemy import text

from bot.clock import Clock, utc_now
from bot.reports.desk_state import DeskState
from kb import KnowledgeBase
from storage.db import Database
from storage.operations import desk_state
from tier0.app import App
from tier0.metrics import MULTIPROCESS_DIR, Metrics

__all__ = ["OperationsServer", "database_metrics", "health_check", "operations"]

log = logging.getLogger("tier0.health")

HealthCheck = Callable[[], dict[str, str]]
"""Each part's state: "ok", or what is wrong with it."""
StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds would drown the service's own log."""


class OperationsServer:
    def __init__(self, host: str, port: int, metrics: Metrics, health: HealthCheck) -> None:
        self._metrics_app = make_wsgi_app(metrics.exposed)
        self._health = health
        self._server = make_server(host, port, self._route, _Server, _QuietHandler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="tier0-operations", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> OperationsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _route(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self._metrics_app(environ, start_response)  # type: ignore[no-any-return]
        if path == "/healthz":
            parts = self._health()
            healthy = all(state == "ok" for state in parts.values())
            body = json.dumps({"status": "ok" if healthy else "failing", **parts}).encode()
            status = "200 OK" if healthy else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /healthz or /metrics\n"]


def health_check(database: Database, kb: KnowledgeBase) -> HealthCheck:
    """The database answers, and the knowledge base has articles to answer from."""

    def check() -> dict[str, str]:
        parts: dict[str, str] = {}
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            parts["database"] = "ok"
        except Exception as error:
            parts["database"] = f"unreachable: {type(error).__name__}"
        parts["knowledge_base"] = "ok" if kb.articles else "no articles loaded"
        return parts

    return check


def database_metrics(
    database: Database, clock: Clock = utc_now, shared_dir: str | None = None
) -> Metrics:
    """Metrics whose desk state is read from ``database`` at each scrape (and counts of
    every process counting into ``shared_dir``, see ``tier0.metrics``)."""

    def read() -> DeskState:
        with database.session() as session:
            return desk_state(session, clock())

    return Metrics(read, shared_dir)


@contextmanager
def operations(app: App) -> Iterator[OperationsServer | None]:
    """Serve /healthz and /metrics while the block runs, if ``metrics_port`` is set.

    A port already taken (another worker of ``--workers N`` has it, and serves this
    worker's counts too) is logged, not fatal: the service itself matters more than its
    metrics.
    """
    service = app.settings.service
    if not service.metrics_port:
        yield None
        return
    metrics = database_metrics(app.database, shared_dir=os.environ.get(MULTIPROCESS_DIR))
    app.engine.observers.append(metrics.observe)
    server: OperationsServer | None = None
    try:
        server = OperationsServer(
            service.metrics_host, service.metrics_port, metrics, health_check(app.database, app.kb)
        ).start()
        log.info("serving /healthz and /metrics on http://%s:%d", service.metrics_host, server.port)
    except OSError as error:
        log.info(
            "not serving /metrics on %s:%d: %s", service.metrics_host, service.metrics_port, error
        )
    try:
        yield server
    finally:
        app.engine.observers.remove(metrics.observe)
        if server is not None:
            server.stop()
