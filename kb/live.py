"""A knowledge base that follows edits to its folders while it keeps answering.

:class:`LiveKnowledgeBase` offers what the engine uses of :class:`KnowledgeBase`
(``rank``, ``articles``, ``thresholds``, ``candidates``, ``matches``, ``confidence``),
always from the newest good build. A background thread polls the folders (file names,
sizes and modification times of every ``*.md``, and the calibration file) every few
seconds; when something changed it loads and builds a new index on that thread while the
previous one keeps answering, then swaps it in with one reference assignment, so a
question is always answered by one complete build, never by half of two.

Files load by the rules of :func:`kb.articles.load_articles`: a file with any problem (a
YAML slip while someone edits it, an unknown key) is not loaded, and every problem is
logged and listed in :attr:`LiveKnowledgeBase.errors`. Such a file does not take its
article away: the last version of it that loaded is kept until it is fixed (a new file
with problems stays out). A configured folder that goes missing keeps its articles the
same way. A deleted file does take its article away. If a whole build fails, the previous
KB stays and the error is logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from kb.articles import DEFAULT_AUDIENCE, Article, Audience, LoadError, load_articles
from kb.calibration import Calibration, CalibrationError, find_calibration, load_calibration
from kb.confidence import ConfidenceModel
from kb.decision import Match, Thresholds
from kb.index import Candidates
from kb.index_cache import IndexCache
from kb.search import KnowledgeBase
from kb.semantic import Encoder

__all__ = ["DEFAULT_INTERVAL", "LiveKnowledgeBase"]

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 2.0
"""Seconds between two looks at the folders."""

Snapshot = tuple[tuple[str, int, int], ...]
Builder = Callable[[Sequence[Article], Calibration | None], KnowledgeBase]


def _build(articles: Sequence[Article], calibration: Calibration | None) -> KnowledgeBase:
    return KnowledgeBase.build(articles, calibration=calibration)


class LiveKnowledgeBase(KnowledgeBase):
    """The newest good :class:`KnowledgeBase` built from ``paths``, rebuilt on change.

    It is a :class:`KnowledgeBase` (every method answers from the current build), so code
    typed for one takes it unchanged; its attributes are read-only. The first build
    happens in the constructor (so a bot never starts without a KB); :meth:`start` begins
    watching, :meth:`stop` ends it. :meth:`refresh` checks and rebuilds at once on the
    calling thread (tests, or a "reload" command).
    """

    def __init__(
        self,
        paths: Sequence[Path],
        *,
        calibration_file: Path | None = None,
        interval: float = DEFAULT_INTERVAL,
        build: Builder = _build,
        cache: IndexCache | None = None,
        semantic: Encoder | None = None,
        default_audience: Audience = DEFAULT_AUDIENCE,
    ) -> None:
        # No super().__init__(): every method and attribute reads the current build.
        self.paths = tuple(Path(p) for p in paths)
        self.default_audience = default_audience
        """The audience of an article that states none."""
        self.interval = interval
        self._calibration_file = calibration_file
        self._build = build
        self.cache = cache
        """Where builds are kept and shared with other processes (default builder only)."""
        self.semantic = semantic
        """The sentence encoder of the optional semantic scorer (default builder only)."""
        self._good: dict[Path, Article] = {}
        self._calibration: Calibration | None = None
        self._calibration_seen: Snapshot | None = None
        self._errors: tuple[LoadError, ...] = ()
        self._lock = threading.Lock()  # one rebuild at a time
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.builds = 0
        """How many KBs were swapped in (1 after the constructor)."""
        self._snapshot = self._look()
        self._kb = self._rebuild(self._snapshot)

    # -- the KnowledgeBase interface, from the current build ----------------------------

    @property
    def current(self) -> KnowledgeBase:
        return self._kb

    @property
    def articles(self) -> tuple[Article, ...]:
        return self._kb.articles

    @articles.setter
    def articles(self, value: tuple[Article, ...]) -> None:
        raise AttributeError("a live KB's articles come from its folders")

    @property
    def thresholds(self) -> Thresholds | None:
        return self._kb.thresholds

    @thresholds.setter
    def thresholds(self, value: Thresholds | None) -> None:
        raise AttributeError("a live KB's thresholds come from its calibration file")

    @property
    def evidence(self) -> tuple[str, ...]:
        return self._kb.evidence

    @evidence.setter
    def evidence(self, value: tuple[str, ...]) -> None:
        raise AttributeError("a live KB's evidence comes from its index")

    @property
    def confidence(self) -> ConfidenceModel:
        return self._kb.confidence

    @confidence.setter
    def confidence(self, value: ConfidenceModel) -> None:
        raise AttributeError("a live KB's confidence comes from its calibration file")

    @property
    def errors(self) -> tuple[LoadError, ...]:
        """Problems found by the latest load (files kept at their last good version
        are listed too)."""
        return self._errors

    def rank(
        self,
        query: str,
        *,
        audience: str | None = None,
        locales: Sequence[str] | None = None,
        limit: int = 5,
    ) -> list[Match]:
        return self._kb.rank(query, audience=audience, locales=locales, limit=limit)

    def candidates(
        self,
        query: str,
        *,
        audience: str | None = None,
        locales: Sequence[str] | None = None,
    ) -> Candidates | None:
        return self._kb.candidates(query, audience=audience, locales=locales)

    def matches(
        self,
        candidates: Candidates | None,
        limit: int = 5,
        *,
        model: ConfidenceModel | None = None,
    ) -> list[Match]:
        return self._kb.matches(candidates, limit, model=model)

    def calibrated(self, calibration: Calibration) -> KnowledgeBase:
        """The current build with ``calibration`` (a fixed KB: it does not follow edits)."""
        return self._kb.calibrated(calibration)

    # -- watching ------------------------------------------------------------------------

    def start(self) -> LiveKnowledgeBase:
        """Start watching in a daemon thread (no-op if already watching)."""
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._watch, name="kb-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float | None = 10.0) -> None:
        """Stop watching; waits for a rebuild under way to finish (up to ``timeout``)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)

    def __enter__(self) -> LiveKnowledgeBase:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refresh(self) -> bool:
        """Rebuild now if a file changed since the last build; whether it swapped."""
        with self._lock:
            snapshot = self._look()
            if snapshot == self._snapshot:
                return False
            try:
                kb = self._rebuild(snapshot)
            except Exception:
                log.exception("knowledge base: rebuild failed; the previous build keeps answering")
                self._snapshot = snapshot  # do not retry the same broken state every poll
                return False
            self._snapshot = snapshot
            self._kb = kb
            return True

    def _watch(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception:  # never let the watcher die (e.g. a folder briefly missing)
                log.exception("knowledge base: watching %s failed", self.paths)

    # -- building ------------------------------------------------------------------------

    def _look(self) -> Snapshot:
        """Name, size and modification time of every file the KB depends on, and whether
        each configured folder exists (one coming back empty is a change too)."""
        entries: list[tuple[str, int, int]] = []
        files: list[Path] = []
        for path in self.paths:
            entries.append((f"{path} (configured)", int(path.exists()), 0))
            if path.is_dir():
                files.extend(path.rglob("*.md"))
            elif path.is_file():
                files.append(path)
        calibration = self._calibration_path()
        if calibration is not None:
            files.append(calibration)
        for file in files:
            try:
                stat = file.stat()
            except OSError:
                continue
            entries.append((str(file), stat.st_mtime_ns, stat.st_size))
        return tuple(sorted(entries))

    def _calibration_path(self) -> Path | None:
        return self._calibration_file or find_calibration(self.paths)

    def _rebuild(self, snapshot: Snapshot) -> KnowledgeBase:
        start = time.perf_counter()
        loaded = load_articles(self.paths, default_audience=self.default_audience)
        ids = {a.id for a in loaded.articles}
        articles = list(loaded.articles)
        good = {a.path: a for a in loaded.articles}
        for path, reasons in _by_path(loaded.errors).items():
            kept = [a for a in self._last_good(path) if a.id not in ids]
            for article in kept:
                articles.append(article)
                good[article.path] = article
                ids.add(article.id)
            if kept:
                log.warning(
                    "knowledge base: %s: %s (keeping the last good version of %d article%s)",
                    path,
                    "; ".join(reasons),
                    len(kept),
                    "" if len(kept) == 1 else "s",
                )
            else:
                log.warning("knowledge base: %s: %s", path, "; ".join(reasons))
        calibration = self._load_calibration()
        if self._build is _build and (self.cache is not None or self.semantic is not None):
            kb = KnowledgeBase.build(
                articles, calibration=calibration, cache=self.cache, semantic=self.semantic
            )
        else:
            kb = self._build(articles, calibration)
        self._good = good
        self._errors = loaded.errors
        self.builds += 1
        log.info(
            "knowledge base: %d articles built in %.1f s",
            len(articles),
            time.perf_counter() - start,
        )
        return kb

    def _last_good(self, path: Path) -> list[Article]:
        """What a file with errors leaves standing: its last good version, or every last
        good article of a configured folder that is missing (moved away during a deploy,
        an unmounted share), until it is back."""
        if path.is_file():
            previous = self._good.get(path)
            return [previous] if previous is not None else []
        if path in self.paths and not path.exists():
            return [a for file, a in self._good.items() if file.is_relative_to(path)]
        return []

    def _load_calibration(self) -> Calibration | None:
        """The calibration file's model; a file that stops loading keeps the last good one."""
        path = self._calibration_path()
        if path is None:
            self._calibration = None
            return None
        try:
            stat = path.stat()
            seen: Snapshot = ((str(path), stat.st_mtime_ns, stat.st_size),)
        except OSError:
            return self._calibration
        if seen != self._calibration_seen:
            try:
                self._calibration = load_calibration(path)
            except CalibrationError as exc:
                log.warning("knowledge base: %s (keeping the previous calibration)", exc)
            self._calibration_seen = seen
        return self._calibration


def _by_path(errors: Sequence[LoadError]) -> dict[Path, list[str]]:
    """The problems of each file with errors, in the order they were found."""
    reasons: dict[Path, list[str]] = {}
    for error in errors:
        reasons.setdefault(error.path, []).append(error.reason)
    return reasons
