"""``tier0 kb ...``: check a KB, try a question against it, measure and calibrate it.

A calibration file kept in the (first) KB folder (``tier0-calibration.json``, written by
``tier0 kb calibrate``) supplies the confidence model and the thresholds for that KB; an
explicit ``--calibration FILE`` does the same from elsewhere.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.errors import ConfigError
from bot.settings import Settings
from kb.articles import load_articles
from kb.calibrate import calibrate
from kb.calibration import (
    CALIBRATION_FILE,
    Calibration,
    CalibrationError,
    find_calibration,
    load_calibration,
)
from kb.decision import Thresholds, decide
from kb.evaluation import QueryFileError, evaluate, load_queries, run_queries, summarize
from kb.search import KnowledgeBase
from kb.semantic import SemanticUnavailable, load_encoder
from tier0.cli import gaps
from tier0.config import load_settings

__all__ = ["cmd_calibrate", "cmd_eval", "cmd_search", "cmd_validate", "register"]


_SEMANTIC = "with the semantic scorer (as [kb] semantic = true; needs the semantic extra)"


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    kb = subparsers.add_parser("kb", help="knowledge base: validate, search, evaluate")
    commands = kb.add_subparsers(dest="kb_command", required=True)

    validate = commands.add_parser(
        "validate", help="check article files and report every problem in each"
    )
    validate.add_argument(
        "dirs", nargs="*", type=Path, metavar="DIR", help="default: the configured [kb] paths"
    )
    validate.set_defaults(func=cmd_validate)

    search = commands.add_parser("search", help="rank articles for a question")
    search.add_argument("text")
    search.add_argument("--kb", action="append", type=Path, metavar="DIR")
    search.add_argument("--audience", choices=["internal", "external"])
    search.add_argument("--locale", action="append", metavar="LOCALE")
    search.add_argument("--limit", type=int, default=5)
    search.add_argument("--calibration", type=Path, metavar="FILE")
    search.add_argument("--semantic", action="store_true", help=_SEMANTIC)
    search.set_defaults(func=cmd_search)

    ev = commands.add_parser("eval", help="measure answer quality on a JSONL query file")
    ev.add_argument("--kb", action="append", type=Path, metavar="DIR")
    ev.add_argument("--queries", required=True, type=Path, metavar="TEST.jsonl")
    ev.add_argument("--calibrate", type=Path, metavar="VAL.jsonl")
    ev.add_argument("--calibration", type=Path, metavar="FILE", help="a calibration file to use")
    ev.add_argument(
        "--locale",
        action="append",
        metavar="LOCALE",
        help="only articles in this language, as chat does for a requester (repeatable)",
    )
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--semantic", action="store_true", help=_SEMANTIC)
    ev.set_defaults(func=cmd_eval)

    cal = commands.add_parser(
        "calibrate", help="fit confidence and thresholds on labelled questions, save beside the KB"
    )
    cal.add_argument("--kb", action="append", type=Path, metavar="DIR")
    cal.add_argument("--queries", required=True, type=Path, metavar="VAL.jsonl")
    cal.add_argument("--semantic", action="store_true", help=_SEMANTIC)
    cal.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help=f"default: {CALIBRATION_FILE} in the first KB folder",
    )
    cal.add_argument("--json", action="store_true", help="print the fit's report as JSON")
    cal.set_defaults(func=cmd_calibrate)

    gaps.register(commands)


def cmd_validate(args: argparse.Namespace, console: Console | None = None) -> int:
    """Every problem of every file, one a line: 0 if there is none, 1 if there is any (2
    when, with no folder given, the settings that name the KB are wrong)."""
    console = console or Console()
    paths: list[Path] = args.dirs
    if not paths:
        settings = _settings(args, console)
        if settings is None:
            return 2
        paths = list(settings.kb.paths)
        named = ", ".join(str(path) for path in paths)
        console.print(f"checking the configured KB: {escape(named)}", highlight=False)
    result = load_articles(paths)
    for error in result.errors:
        console.print(
            f"[red]{escape(str(error.path))}[/red]: {escape(error.reason)}", highlight=False
        )
    files = len({error.path for error in result.errors})
    status = "[red]" if result.errors else "[green]"
    console.print(
        f"{status}{len(result.articles)} article(s) loaded, "
        f"{len(result.errors)} error(s) in {files} file(s)",
        highlight=False,
    )
    return 1 if result.errors else 0


def cmd_search(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    setup = _setup(args, console)
    if setup is None:
        return 2
    kb, thresholds = setup
    matches = kb.rank(args.text, audience=args.audience, locales=args.locale, limit=args.limit)
    decision, chosen = decide(matches, thresholds)
    table = Table(title=f"Matches for {args.text[:80]!r}")
    table.add_column("#", justify="right")
    table.add_column("article")
    table.add_column("title")
    table.add_column("confidence", justify="right")
    table.add_column("audience")
    table.add_column("locale")
    for n, match in enumerate(matches, start=1):
        a = match.article
        table.add_row(str(n), a.id, a.title, f"{match.confidence:.3f}", a.audience, a.locale)
    console.print(table)
    picked = ", ".join(m.article.id for m in chosen) or "ticket for a person"
    console.print(
        f"decision: [bold]{decision}[/bold] ({picked}); thresholds answer >= "
        f"{thresholds.answer:.3f}, suggest >= {thresholds.suggest:.3f}",
        highlight=False,
    )
    return 0


def cmd_eval(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    messages = Console(stderr=True) if args.json else console  # keep stdout pure JSON
    try:
        queries = load_queries(args.queries)
        calibration = load_queries(args.calibrate) if args.calibrate else None
    except QueryFileError as exc:
        messages.print(f"[red]error:[/red] {exc}", highlight=False)
        return 2
    start = time.perf_counter()
    setup = _setup(args, messages, calibrating=calibration is not None)
    if setup is None:
        return 2
    build_ms = (time.perf_counter() - start) * 1000
    kb, thresholds = setup
    report = evaluate(
        kb,
        queries,
        thresholds,
        calibration=calibration,
        build_ms=build_ms,
        locales=getattr(args, "locale", None),
    )
    if args.json:
        print(json.dumps(report.to_dict()))
        return 0
    table = Table(title=f"KB evaluation on {args.queries}")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in report.to_dict().items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else str(value))
    console.print(table)
    return 0


def cmd_calibrate(args: argparse.Namespace, console: Console | None = None) -> int:
    console = console or Console()
    messages = Console(stderr=True) if args.json else console
    try:
        queries = load_queries(args.queries)
    except QueryFileError as exc:
        messages.print(f"[red]error:[/red] {exc}", highlight=False)
        return 2
    setup = _setup(args, messages, calibrating=True)
    if setup is None:
        return 2
    kb, thresholds = setup
    fitted = calibrate(kb, queries, thresholds)
    paths: list[Path] = getattr(args, "kb", None) or []
    out: Path | None = args.out or (paths[0] / CALIBRATION_FILE if paths else None)
    if out is None:
        messages.print("[red]error:[/red] give --out FILE or --kb DIR", highlight=False)
        return 2
    try:
        fitted.save(out)
    except OSError as exc:
        messages.print(f"[red]error:[/red] cannot write {out}: {exc}", highlight=False)
        return 2
    report = summarize(
        run_queries(kb.calibrated(fitted), queries, fitted.thresholds), fitted.thresholds
    )
    summary = {
        "file": str(out),
        "n": len(queries),
        "answer_threshold": fitted.thresholds.answer,
        "suggest_threshold": fitted.thresholds.suggest,
        "score_on_queries": report.score,
    }
    if args.json:
        print(json.dumps(summary))
    else:
        console.print(
            f"wrote {out}: answer >= {fitted.thresholds.answer:.4f}, suggest >= "
            f"{fitted.thresholds.suggest:.4f} (fitted on {len(queries)} questions; score "
            f"on them {report.score:.4f}, optimistic: measure on other questions with kb eval)",
            highlight=False,
        )
    return 0


def _setup(
    args: argparse.Namespace, console: Console, *, calibrating: bool = False
) -> tuple[KnowledgeBase, Thresholds] | None:
    """The KB (from ``--kb`` or settings) and the thresholds; None on error.

    ``args.thresholds`` (set by callers such as tests, not a command-line option) overrides
    the configured thresholds; ``args.config`` comes from the main CLI's ``--config``.
    A calibration file (``--calibration``, or the one kept in the KB folder) supplies the
    confidence model and its thresholds, unless ``calibrating`` (a new one is about to be
    fitted, so the KB skips learning a model of its own).
    """
    settings = _settings(args, console)
    if settings is None:
        return None
    paths: list[Path] = getattr(args, "kb", None) or list(settings.kb.paths)
    semantic = bool(getattr(args, "semantic", False)) or settings.kb.semantic
    thresholds = getattr(args, "thresholds", None) or Thresholds(
        settings.kb.answer_threshold, settings.kb.suggest_threshold
    )
    result = load_articles(paths, default_audience=settings.kb.default_audience)
    for error in result.errors:
        console.print(
            f"[yellow]skipped[/yellow] {escape(f'{error.path}: {error.reason}')}", highlight=False
        )
    if not result.articles:
        console.print("[red]error:[/red] no articles loaded", highlight=False)
        return None
    try:
        encoder = load_encoder() if semantic else None
    except SemanticUnavailable as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return None
    if calibrating:
        kb = KnowledgeBase.build(result.articles, learn_confidence=False, semantic=encoder)
        return kb, thresholds
    calibration: Calibration | None = None
    file = getattr(args, "calibration", None) or find_calibration(paths)
    if file is not None:
        try:
            calibration = load_calibration(file)
        except CalibrationError as exc:
            console.print(f"[red]error:[/red] {exc}", highlight=False)
            return None
    try:
        kb = KnowledgeBase.build(result.articles, calibration=calibration, semantic=encoder)
    except CalibrationError as exc:
        console.print(f"[red]error:[/red] {file}: {escape(str(exc))}", highlight=False)
        return None
    return kb, kb.thresholds or thresholds


def _settings(args: argparse.Namespace, console: Console) -> Settings | None:
    """The settings (``args.config``, from the main CLI's ``--config``); None, once the
    problem is shown, if they are wrong."""
    try:
        return load_settings(getattr(args, "config", None))
    except ConfigError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return None
