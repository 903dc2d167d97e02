"""Background rebuild: edits go live, the previous build answers meanwhile, bad files
keep their last good version."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from kb.articles import Article
from kb.calibration import CALIBRATION_FILE, Calibration
from kb.confidence import ConfidenceModel
from kb.decision import Thresholds
from kb.live import LiveKnowledgeBase
from kb.search import KnowledgeBase


def quick(articles: Sequence[Article], calibration: Calibration | None) -> KnowledgeBase:
    if calibration is not None:
        return KnowledgeBase.build(articles, calibration=calibration)
    return KnowledgeBase.build(articles, learn_confidence=False)


def write(folder: Path, name: str, title: str, *questions: str) -> Path:
    lines = ["---", f"title: {title}", "questions:", *(f"  - {q}" for q in questions)]
    path = folder / f"{name}.md"
    path.write_text("\n".join([*lines, "---", f"About {title}.", ""]), encoding="utf-8")
    touch(path)
    return path


def touch(path: Path) -> None:
    """A modification time clearly after the last look, whatever the clock's resolution."""
    later = time.time_ns() + 5_000_000_000
    os.utime(path, ns=(later, later))


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    kb = tmp_path / "kb"
    kb.mkdir()
    write(kb, "vpn", "Fix the VPN", "my vpn will not connect", "vpn keeps dropping")
    write(kb, "printer", "Fix the printer", "the printer is jammed", "printer out of toner")
    return kb


def ids(live: LiveKnowledgeBase) -> set[str]:
    return {a.id for a in live.articles}


def test_an_added_article_goes_live_on_refresh(folder: Path) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    assert ids(live) == {"vpn", "printer"} and live.builds == 1
    assert live.refresh() is False  # nothing changed: no rebuild
    write(folder, "badge", "Replace a lost badge", "I lost my badge", "new access badge")
    assert live.refresh() is True
    assert ids(live) == {"vpn", "printer", "badge"}
    assert live.rank("lost my badge")[0].article.id == "badge"


def test_a_broken_edit_keeps_the_last_good_version(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    broken = folder / "printer.md"
    broken.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    touch(broken)
    with caplog.at_level(logging.WARNING, logger="kb.live"):
        assert live.refresh() is True
    assert ids(live) == {"vpn", "printer"}
    assert live.rank("printer jammed")[0].article.title == "Fix the printer"
    assert [e.path for e in live.errors] == [broken]
    assert "keeping the last good version of 1 article" in caplog.text
    write(folder, "printer", "Printer help", "the printer is jammed")
    assert live.refresh() is True
    assert live.errors == ()
    assert live.rank("printer jammed")[0].article.title == "Printer help"


def test_a_kb_folder_that_goes_missing_keeps_its_articles_until_it_is_back(
    folder: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    other = tmp_path / "customers"
    other.mkdir()
    write(other, "refund", "Ask for a refund", "I want my money back")
    live = LiveKnowledgeBase([folder, other], build=quick)
    other.rename(tmp_path / "moved-away")
    touch(folder / "vpn.md")  # a change elsewhere triggers the rebuild

    with caplog.at_level(logging.WARNING, logger="kb.live"):
        assert live.refresh() is True

    assert ids(live) == {"vpn", "printer", "refund"}
    assert [(e.path, e.reason) for e in live.errors] == [(other, "no such file or folder")]
    assert f"{other}: no such file or folder (keeping the last good version" in caplog.text
    (tmp_path / "moved-away").rename(other)
    (other / "refund.md").unlink()
    assert live.refresh() is True
    assert ids(live) == {"vpn", "printer"} and live.errors == ()


def test_while_watching_an_added_article_goes_live_and_a_broken_one_keeps_answering(
    folder: Path,
) -> None:
    with LiveKnowledgeBase([folder], build=quick, interval=0.05) as live:
        write(folder, "badge", "Replace a lost badge", "I lost my badge")
        broken = folder / "vpn.md"
        broken.write_text("---\nquestions: not closed\n", encoding="utf-8")
        touch(broken)
        deadline = time.monotonic() + 20
        while "badge" not in ids(live):
            assert time.monotonic() < deadline, "the added article never went live"
            time.sleep(0.05)

        assert live.rank("lost my badge")[0].article.id == "badge"
        assert live.rank("my vpn will not connect")[0].article.id == "vpn"
        assert [e.path for e in live.errors] == [broken]


def test_a_deleted_file_takes_its_article_away(folder: Path) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    (folder / "printer.md").unlink()
    assert live.refresh() is True
    assert ids(live) == {"vpn"}


def test_a_failed_build_keeps_the_previous_kb(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fail = threading.Event()

    def flaky(articles: Sequence[Article], calibration: Calibration | None) -> KnowledgeBase:
        if fail.is_set():
            raise MemoryError("out of memory")
        return quick(articles, calibration)

    live = LiveKnowledgeBase([folder], build=flaky)
    before = live.current
    fail.set()
    write(folder, "badge", "Replace a lost badge", "I lost my badge")
    with caplog.at_level(logging.ERROR, logger="kb.live"):
        assert live.refresh() is False
    assert live.current is before and "rebuild failed" in caplog.text


def test_the_previous_build_answers_while_the_next_one_is_built(folder: Path) -> None:
    release = threading.Event()
    building = threading.Event()

    def slow(articles: Sequence[Article], calibration: Calibration | None) -> KnowledgeBase:
        if len(articles) > 2:
            building.set()
            assert release.wait(10)
        return quick(articles, calibration)

    with LiveKnowledgeBase([folder], interval=0.02, build=slow) as live:
        write(folder, "badge", "Replace a lost badge", "I lost my badge", "new access badge")
        assert building.wait(10)
        # The watcher is busy building: questions still get the old, complete KB.
        assert ids(live) == {"vpn", "printer"}
        assert live.rank("my vpn will not connect")[0].article.id == "vpn"
        release.set()
        deadline = time.monotonic() + 10
        while live.builds < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert ids(live) == {"vpn", "printer", "badge"}
    assert live._thread is None


def test_a_new_calibration_file_brings_its_thresholds(folder: Path) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    assert live.thresholds is None
    calibration = Calibration(ConfidenceModel.prior(), Thresholds(0.6, 0.4), 10)
    calibration.save(folder / CALIBRATION_FILE)
    touch(folder / CALIBRATION_FILE)
    assert live.refresh() is True
    assert live.thresholds == Thresholds(0.6, 0.4)
    (folder / CALIBRATION_FILE).write_text("{broken", encoding="utf-8")
    touch(folder / CALIBRATION_FILE)
    assert live.refresh() is True
    assert live.thresholds == Thresholds(0.6, 0.4)  # the last good calibration stays


def test_it_is_a_knowledge_base_with_read_only_attributes(folder: Path) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    assert isinstance(live, KnowledgeBase)
    with pytest.raises(AttributeError):
        live.thresholds = Thresholds(0.5, 0.2)
    candidates = live.candidates("printer jammed")
    assert live.matches(candidates)[0].article.id == "printer"
    assert live.confidence is live.current.confidence


def test_an_edit_with_unknown_keys_keeps_the_last_good_version_and_logs_every_problem(
    folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    edited = folder / "printer.md"
    edited.write_text(
        "---\ntitle: Printer help\nquestions: [the printer is jammed]\naudiance: external\n"
        "tgas: [printer]\n---\nNew text.\n",
        encoding="utf-8",
    )
    touch(edited)

    with caplog.at_level(logging.WARNING, logger="kb.live"):
        assert live.refresh() is True

    assert live.rank("printer jammed")[0].article.title == "Fix the printer"
    problems = [
        "unknown front-matter key 'audiance': did you mean 'audience'?",
        "unknown front-matter key 'tgas': did you mean 'tags'?",
    ]
    assert [(e.path, e.reason) for e in live.errors] == [(edited, p) for p in problems]
    logged = f"{edited}: {'; '.join(problems)} (keeping the last good version of 1 article)"
    assert logged in caplog.text


def test_a_new_file_with_an_unknown_key_stays_out_until_it_is_fixed(folder: Path) -> None:
    live = LiveKnowledgeBase([folder], build=quick)
    badge = folder / "badge.md"
    front = (
        "---\ntitle: Replace a lost badge\nquestions: [I lost my badge]\n{}: all\n---\nSee HR.\n"
    )
    badge.write_text(front.format("audiance"), encoding="utf-8")
    touch(badge)
    assert live.refresh() is True
    assert ids(live) == {"vpn", "printer"}
    assert [e.path for e in live.errors] == [badge]

    badge.write_text(front.format("audience"), encoding="utf-8")
    touch(badge)
    assert live.refresh() is True
    assert ids(live) == {"vpn", "printer", "badge"} and live.errors == ()


def test_articles_stating_no_audience_take_the_default_given_also_when_added_later(
    folder: Path,
) -> None:
    staff = LiveKnowledgeBase([folder], build=quick)
    everyone = LiveKnowledgeBase([folder], build=quick, default_audience="all")
    assert staff.rank("my vpn will not connect", audience="external") == []
    assert everyone.rank("my vpn will not connect", audience="external")[0].article.id == "vpn"

    write(folder, "badge", "Replace a lost badge", "I lost my badge")
    assert staff.refresh() and everyone.refresh()
    assert {a.id: a.audience for a in staff.articles}["badge"] == "internal"
    assert {a.id: a.audience for a in everyone.articles}["badge"] == "all"
