"""The index cache: built once, mapped by everyone after; an edit, a damaged file or an
unwritable folder leads to a rebuild, never to a crash or to a stale answer."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import kb.index_cache
import kb.linear
from kb.articles import Article, load_articles
from kb.index import Index
from kb.index_cache import IndexCache
from kb.live import LiveKnowledgeBase
from kb.normalize import normalize
from kb.search import KnowledgeBase
from kb.vectors import Vectorizer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
QUESTIONS = [
    "how do I reset my vpn password",
    "wifi will not connect",
    "nao consigo conectar",
    "I want a refund for my order",
    "what is the capital of france",
]


def articles() -> tuple[Article, ...]:
    return load_articles([FIXTURES / "tiny_kb"]).articles


def answers(kb: KnowledgeBase) -> list[list[tuple[str, float]]]:
    return [[(m.article.id, m.confidence) for m in kb.rank(q, limit=8)] for q in QUESTIONS]


def write(folder: Path, name: str, title: str, *questions: str) -> None:
    lines = ["---", f"title: {title}", "questions:", *(f"  - {q}" for q in questions)]
    path = folder / f"{name}.md"
    path.write_text("\n".join([*lines, "---", f"About {title}.", ""]), encoding="utf-8")
    later = time.time_ns() + 5_000_000_000  # clearly after the live KB's last look
    os.utime(path, ns=(later, later))


def test_a_miss_builds_and_writes_then_a_hit_maps_the_same_index(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path)
    built = KnowledgeBase.build(articles(), cache=cache)
    assert (cache.builds, cache.hits) == (1, 0)
    assert len(list(tmp_path.glob("*.idx"))) == 1
    mapped = KnowledgeBase.build(articles(), cache=cache)
    assert (cache.builds, cache.hits) == (1, 1)
    assert answers(mapped) == answers(built)
    assert mapped.confidence.to_dict() == built.confidence.to_dict()  # the learnt model too
    index = mapped._index
    assert isinstance(index, Index)
    assert all(not a.flags.writeable for a in index.arrays().values())  # mapped, not copied


def test_the_cache_answers_like_an_uncached_build(tmp_path: Path) -> None:
    plain = KnowledgeBase.build(articles(), learn_confidence=False)
    cache = IndexCache(tmp_path)
    KnowledgeBase.build(articles(), learn_confidence=False, cache=cache)
    mapped = KnowledgeBase.build(articles(), learn_confidence=False, cache=cache)
    assert cache.hits == 1
    assert answers(mapped) == answers(plain)


def test_an_edited_article_misses(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path)
    question = "badge does not open the door"
    before = KnowledgeBase.build(articles(), cache=cache).rank(question)[0].article.id
    edited = [a.id for a in articles()].index(next(a.id for a in articles() if a.id != before))
    changed = tuple(
        replace(a, questions=(*a.questions, question)) if n == edited else a
        for n, a in enumerate(articles())
    )
    after = KnowledgeBase.build(changed, cache=cache)
    assert (cache.builds, cache.hits) == (2, 0)
    assert after.rank(question)[0].article.id == changed[edited].id != before
    calibrated_mode = KnowledgeBase.build(changed, learn_confidence=False, cache=cache)
    assert cache.builds == 3  # no learnt model in that file: a build of its own
    assert calibrated_mode.rank(question)[0].article.id == changed[edited].id


@pytest.mark.parametrize(
    "damage",
    ["truncate", "flip a byte", "garbage", "empty"],
)
def test_a_damaged_file_is_rebuilt_with_a_log_line(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    cache = IndexCache(tmp_path)
    expected = answers(KnowledgeBase.build(articles(), cache=cache))
    (path,) = tmp_path.glob("*.idx")
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip a byte":
        data[-100] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"not an index at all" * 50)
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="kb.index_cache"):
        rebuilt = KnowledgeBase.build(articles(), cache=cache)
    assert "unusable" in caplog.text and "rebuilding" in caplog.text
    assert cache.builds == 2
    assert answers(rebuilt) == expected
    assert answers(KnowledgeBase.build(articles(), cache=cache)) == expected  # good again
    assert cache.hits == 1


def test_an_unwritable_cache_folder_builds_uncached(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder should be")
    with caplog.at_level(logging.WARNING, logger="kb.index_cache"):
        kb = KnowledgeBase.build(articles(), cache=IndexCache(blocked / "cache"))
    assert "unusable" in caplog.text
    assert kb.rank(QUESTIONS[0])[0].article.id == "vpn-reset"


def test_a_build_in_a_child_process_is_mapped_by_a_process_without_scikit_learn(
    tmp_path: Path,
) -> None:
    cache = IndexCache(tmp_path, in_child=True)
    kb = KnowledgeBase.build(articles(), cache=cache)
    assert cache.builds == 1 and kb.rank(QUESTIONS[0])[0].article.id == "vpn-reset"
    worker = subprocess.run(
        [sys.executable, "-c", _WORKER, str(FIXTURES / "tiny_kb"), str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    report = json.loads(worker.stdout)
    assert report == {
        "hits": 1,
        "builds": 0,
        "sklearn": False,
        "top": "vpn-reset",
    }


_WORKER = """
import json, sys
from pathlib import Path
from kb.articles import load_articles
from kb.index_cache import IndexCache
from kb.search import KnowledgeBase
cache = IndexCache(Path(sys.argv[2]), in_child=True)
kb = KnowledgeBase.build(load_articles([Path(sys.argv[1])]).articles, cache=cache)
top = kb.rank("how do I reset my vpn password")[0].article.id
print(json.dumps({"hits": cache.hits, "builds": cache.builds, "top": top,
                  "sklearn": "sklearn" in sys.modules}))
"""


def test_processes_starting_together_build_once(tmp_path: Path) -> None:
    """N workers starting at once: one builds under the lock, the others wait and map."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, str(FIXTURES / "tiny_kb"), str(tmp_path)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for _ in range(3)
    ]
    reports = [json.loads(w.communicate(timeout=300)[0]) for w in workers]
    assert sorted((r["builds"], r["hits"]) for r in reports) == [(0, 1), (0, 1), (1, 0)]
    assert {r["top"] for r in reports} == {"vpn-reset"}


def test_a_live_kb_keeps_answering_while_another_process_builds(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    write(folder, "vpn", "Fix the VPN", "my vpn will not connect", "vpn keeps dropping")
    write(folder, "printer", "Fix the printer", "the printer is jammed", "printer out of toner")
    cache = IndexCache(tmp_path / "cache")
    live = LiveKnowledgeBase([folder], cache=cache)
    assert cache.builds == 1
    write(folder, "badge", "Replace a lost badge", "I lost my badge", "new access badge")
    live_key = _key_of(live, folder)
    # another process holds the build lock of the edited KB: the refresh waits for it...
    with (tmp_path / "cache" / f"{live_key}.lock").open("a") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        refresh = threading.Thread(target=live.refresh)
        refresh.start()
        time.sleep(0.3)
        assert refresh.is_alive()
        # ... while the previous build answers
        assert {a.id for a in live.articles} == {"vpn", "printer"}
        assert live.rank("my vpn will not connect")[0].article.id == "vpn"
        fcntl.flock(other.fileno(), fcntl.LOCK_UN)
    refresh.join(60)
    assert {a.id for a in live.articles} == {"vpn", "printer", "badge"}
    assert live.rank("I lost my badge")[0].article.id == "badge"
    assert cache.builds == 2


def _key_of(live: LiveKnowledgeBase, folder: Path) -> str:
    """The cache key the edited folder's build will have (what a second process locks)."""
    from kb.index_cache import Job

    arts = load_articles([folder]).articles
    texts, owners = [], []
    for i, article in enumerate(arts):
        for phrasing in dict.fromkeys((article.title, *article.questions)):
            if norm := normalize(phrasing):
                texts.append(norm)
                owners.append(i)
    return Job(texts, np.array(owners, np.int64), [a.locale for a in arts], True).key()


def test_large_kb_paths_work_a_block_of_articles_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rivals found in blocks of 2 articles rank like the full problem; so does the
    cached copy of that index."""
    full = KnowledgeBase.build(articles(), learn_confidence=False)
    monkeypatch.setattr(kb.linear, "_FULL_PROBLEM_ARTICLES", 2)
    monkeypatch.setattr(kb.linear, "_CLOSENESS_BLOCK", 2)
    cache = IndexCache(tmp_path)
    local = KnowledgeBase.build(articles(), learn_confidence=False, cache=cache)
    mapped = KnowledgeBase.build(articles(), learn_confidence=False, cache=cache)
    for query in QUESTIONS[:4]:
        assert local.rank(query)[0].article.id == full.rank(query)[0].article.id
    assert answers(mapped) == answers(local)


def test_question_vectors_match_scikit_learn(tmp_path: Path) -> None:
    """The lexicon (arrays, no scikit-learn) vectorises exactly as the fitted vectorizer."""
    texts: Sequence[str] = [normalize(q) for a in articles() for q in (a.title, *a.questions)]
    vectorizer = Vectorizer(texts)
    for question in [*texts, *QUESTIONS, "", "x", "wi-fi 5g", "não consigo", "aaaa bbbb"]:
        norm = normalize(question)
        idx, val = vectorizer.transform_one(norm)
        expected = vectorizer.transform([norm]).toarray()[0]
        mine = np.zeros_like(expected)
        mine[idx] = val
        np.testing.assert_allclose(mine, expected, atol=1e-6)


def test_tier0_builds_into_the_configured_cache_folder_once(tmp_path: Path) -> None:
    """What `tier0 run --workers N` does before starting workers, and each worker after."""
    from bot.settings import KBSettings, Settings
    from tier0.app import open_kb

    settings = Settings(kb=KBSettings(paths=[FIXTURES / "tiny_kb"], cache_dir=tmp_path))
    first = open_kb(settings)
    assert first.cache is not None and first.cache.builds == 1
    assert len(list(tmp_path.glob("*.idx"))) == 1
    worker = open_kb(settings)
    assert worker.cache is not None and (worker.cache.builds, worker.cache.hits) == (0, 1)
    assert worker.rank(QUESTIONS[0])[0].article.id == "vpn-reset"


def test_a_failed_child_build_is_logged_and_built_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A child that dies (say, killed for memory) costs memory here, not the start-up."""
    monkeypatch.setattr(kb.index_cache, "_CHILD", "import sys; sys.exit(3)")
    cache = IndexCache(tmp_path, in_child=True)
    with caplog.at_level(logging.WARNING, logger="kb.index_cache"):
        built = KnowledgeBase.build(articles(), cache=cache)
    assert "exited with 3" in caplog.text
    assert built.rank(QUESTIONS[0])[0].article.id == "vpn-reset"
    assert KnowledgeBase.build(articles(), cache=cache) and cache.hits == 1  # and cached
