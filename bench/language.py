"""Answering in the language a question is written in: does chat decide for a Portuguese
question with no locale as it does when the platform says pt-BR, how often is English
taken for another language, and how often is a language the desk does not speak taken for
one it does?

Run: ``python -m bench.language [--out DIR]``. On the sample KB, through the engine (the
in-memory store), each question asked by a new person in a new place:

- ``portuguese``: the Portuguese evaluation questions asked with no locale, and asked by
  someone whose platform says pt-BR. A decision is answer (with which article), suggest
  (which articles) or escalate; ``same_decision_rate`` is the share decided alike. The same
  for a person who chose English with ``/language en``: what a person with no locale got
  before the language was read from the text. Deflection is the share answered with the
  expected article.
- ``english``: the English evaluation questions (the sample set's, and BANKING77's test
  split when it is beside the repository); ``misdetected_rate`` is the share detected
  confidently as another language the desk speaks, ``detected_rate`` as English.
- ``other_languages``: short help-desk questions in Spanish, French, Italian and German
  (``bench/data/other_languages.jsonl``, written for this check: everyday IT and customer
  support phrasings of three to nine words; Spanish, the language closest to Portuguese,
  has 20 more of three or four words); per language, ``misdetected_rate`` is the share
  detected as a language the desk speaks (the person would be switched to it), with
  ``as`` counting which.
- ``timing``: the median time to detect a question's language, and of one KB search of it
  (``rank`` over the requester's languages, as answering does), in the same run.

JSON goes to ``bench/results/language.json`` and is printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.load_slack import machine
from bot.actions import AnswerArticle, OfferArticles
from bot.conversation.engine import Engine
from bot.conversation.language import WrittenLanguage
from bot.events import CommandIssued, Event, MessageReceived, Person, Place
from bot.settings import Settings
from kb import KnowledgeBase, load_articles
from kb.queries import Query, load_queries
from tests.fakes.memory import MemoryDatabase

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "kb" / "data"
BANKING77_TEST = ROOT.parent / "shared" / "datasets" / "banking77" / "test.jsonl"
OTHER_LANGUAGES = Path(__file__).resolve().parent / "data" / "other_languages.jsonl"
RESULTS = Path(__file__).resolve().parent / "results"

Decision = tuple[str, tuple[str, ...]]


class Asker:
    """Each question from a new person in a new place, so no language carries over."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.engine = Engine(Settings(), kb, MemoryDatabase().unit_of_work)
        self.n = 0

    def decision(self, text: str, locale: str | None = None, chosen: str | None = None) -> Decision:
        self.n += 1
        person = Person("console", f"p{self.n}", locale=locale)
        place = Place("console", f"c{self.n}")
        if chosen is not None:
            self._send(CommandIssued(person, place, "language", (chosen,), f"c{self.n}"))
        actions = self._send(MessageReceived(person, place, text, f"m{self.n}"))
        for action in actions:
            if isinstance(action, AnswerArticle):
                return "answer", (action.article.id,)
            if isinstance(action, OfferArticles):
                return "suggest", tuple(ref.id for ref in action.articles)
        return "escalate", ()

    def _send(self, event: Event) -> list[Any]:
        return [delivery.action for delivery in self.engine.handle(event)]


def portuguese(asker: Asker, queries: Sequence[Query]) -> dict[str, Any]:
    given = [asker.decision(q.text, locale="pt-BR") for q in queries]
    runs = {
        "no_locale": [asker.decision(q.text) for q in queries],
        "chose_english_as_before": [asker.decision(q.text, chosen="en") for q in queries],
    }
    report: dict[str, Any] = {"n": len(queries), "locale_given": _deflection(given, queries)}
    for name, decisions in runs.items():
        report[name] = {
            "same_decision_rate": _rate(
                sum(d == g for d, g in zip(decisions, given, strict=True)), len(queries)
            ),
            **_deflection(decisions, queries),
        }
    return report


def _deflection(decisions: Sequence[Decision], queries: Sequence[Query]) -> dict[str, Any]:
    in_scope = [(d, q) for d, q in zip(decisions, queries, strict=True) if q.expected]
    right = sum(d == ("answer", (q.expected,)) for d, q in in_scope)
    return {
        "answered": sum(d[0] == "answer" for d in decisions),
        "suggested": sum(d[0] == "suggest" for d in decisions),
        "escalated": sum(d[0] == "escalate" for d in decisions),
        "deflection_rate": _rate(right, len(in_scope)),
    }


def english(written: WrittenLanguage, sets: dict[str, list[str]]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for name, texts in sets.items():
        tags = [written.tag_of(text) for text in texts]
        wrong = [t for t, tag in zip(texts, tags, strict=True) if tag not in (None, "en")]
        report[name] = {
            "n": len(texts),
            "misdetected_rate": _rate(len(wrong), len(texts)),
            "detected_rate": _rate(tags.count("en"), len(texts)),
            "misdetected": wrong[:10],
        }
    return report


def other_languages(written: WrittenLanguage, sets: dict[str, list[str]]) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for language, texts in sets.items():
        tags = [written.tag_of(text) for text in texts]
        wrong = [(t, tag) for t, tag in zip(texts, tags, strict=True) if tag is not None]
        report[language] = {
            "n": len(texts),
            "misdetected_rate": _rate(len(wrong), len(texts)),
            "as": dict(Counter(tag for _, tag in wrong)),
            "misdetected": [f"{text} ({tag})" for text, tag in wrong[:10]],
        }
    return report


def _other_language_sets() -> dict[str, list[str]]:
    """The questions of each language the sample desk does not speak, by language."""
    sets: dict[str, list[str]] = {}
    for line in OTHER_LANGUAGES.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            sets.setdefault(row["language"], []).append(row["text"])
    return sets


def timing(kb: KnowledgeBase, written: WrittenLanguage, texts: Sequence[str]) -> dict[str, Any]:
    detect = _median_ms(written.tag_of, texts)
    search = _median_ms(lambda text: kb.rank(text, locales=["pt-BR"], limit=5), texts)
    return {
        "questions": len(texts),
        "detect_p50_ms": round(detect, 4),
        "kb_search_p50_ms": round(search, 4),
        "detect_to_search": round(detect / search, 4),
    }


def _median_ms(call: Callable[[str], object], texts: Sequence[str]) -> float:
    spent = []
    for text in texts:
        start = time.perf_counter()
        call(text)
        spent.append((time.perf_counter() - start) * 1000)
    return statistics.median(spent)


def _rate(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def _english_sets() -> dict[str, list[str]]:
    """The sample set's English questions (it holds a few Portuguese ones, expected to find
    Portuguese articles: left out), and BANKING77's test split when present."""
    sample = load_queries(QUERIES / "sample_queries.jsonl")
    sets = {"sample": [q.text for q in sample if not (q.expected or "").endswith("-pt")]}
    if BANKING77_TEST.is_file():
        sets["banking77_test"] = [q.text for q in load_queries(BANKING77_TEST)]
    return sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    kb = KnowledgeBase.build(load_articles(Settings().kb.paths).articles)
    written = WrittenLanguage(kb)
    start = time.perf_counter()
    written.tag_of("the model is read on first use")
    load_s = time.perf_counter() - start
    pt_queries = load_queries(QUERIES / "sample_queries_pt-BR.jsonl")
    english_sets = _english_sets()
    report = {
        "machine": machine(),
        "detector": {"library": "py3langid", "load_s": round(load_s, 2)},
        "portuguese": portuguese(Asker(kb), pt_queries),
        "portuguese_detected_rate": _rate(
            sum(written.tag_of(q.text) == "pt-BR" for q in pt_queries), len(pt_queries)
        ),
        "english": english(written, english_sets),
        "other_languages": other_languages(written, _other_language_sets()),
        "timing": timing(kb, written, [q.text for q in pt_queries] + english_sets["sample"]),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "language.json").write_text(json.dumps(report, indent=2) + "\n")
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
