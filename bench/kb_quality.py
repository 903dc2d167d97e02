"""Answer quality of tier0's matcher, its variants and five baselines, in one run.

Run: ``python -m bench.kb_quality [--data DIR] [--out bench/results/]``. On BANKING77
(``../shared/datasets/banking77`` by default) every matcher gets its answer threshold (and
tier0 its confidence model) calibrated on ``val.jsonl`` exactly as ``tier0 kb eval
--calibrate`` does, then is measured on ``test.jsonl`` and ``test-typos.jsonl``. Writes
``kb_quality.json`` and ``kb_quality.md`` (one table, with each score's ratio to the best
baseline's and each p50's ratio to the TF-IDF baseline's) into ``--out``.

Baselines (reimplemented here; a baseline's confidence is its own best score):

* ``rapidfuzz``: ``token_set_ratio`` against every phrasing, best phrasing per article;
* ``bm25``: BM25 (k1 1.5, b 0.75) over each phrasing, best phrasing per article;
* ``tfidf``: word (1-2) and character (2-5) TF-IDF cosine, best phrasing per article;
* ``tfidf+rapidfuzz``: the 50 nearest phrasings by TF-IDF re-scored as the mean of their
  cosine and ``token_set_ratio``.

tier0 variants: ``tier0`` (the default); the same with one part taken out: the kNN
vote, the fuzzy scorer, typo correction, article coverage, the confidence model (the
SVM's margin over the runner-up as confidence), calibration on val (the model the KB
learns from itself); and the same with evidence tried and not kept (see
:class:`_WordEvidence`): the IDF of the rarest known word the article never uses, the
lowest in-article share of the question's informative words, the question's length, and
article coverage's lead over the other candidates.

Sentence-embedding rows (see :mod:`bench.kb_semantic`), each when its packages are
installed: ``tier0 + semantic`` (the shipped ``semantic`` extra), the same embedding the
question before typo correction, ``tier0 + WordLlama evidence``, and the PyTorch MiniLM
baseline and evidence of the ``bench-minilm`` extra.

Every KB row also gets its "val CV" score: 5-fold cross-fitted confidences on val, the
threshold chosen on them, mean over 20 random splits (what every choice was made on).
Latencies are per query, one thread: wall clock (p50/p99 ms) and thread CPU time (cpu
p50/p99), which a busy machine distorts far less.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from scipy import sparse

from bench.kb_semantic import (
    FunctionEncoder,
    SemanticEvidence,
    load_encoder,
    minilm_baseline,
    shipped_encoder,
    wordllama_encoder,
)
from kb.articles import Article, load_articles
from kb.calibration import CROSS_FOLDS, OUT_OF_SCOPE_WEIGHT, calibrate, calibrate_thresholds
from kb.confidence import Examples, fit_confidence
from kb.decision import Thresholds
from kb.evaluation import summarize
from kb.index import EVIDENCE, Candidates
from kb.normalize import normalize
from kb.queries import Outcome, Query, load_queries
from kb.search import KnowledgeBase, Match
from kb.semantic import SemanticIndex
from kb.typos import SpellFixer
from kb.vectors import Vectorizer

ROOT = Path(__file__).resolve().parents[1]
BANKING77 = ROOT.parent / "shared" / "datasets" / "banking77"
CONFIGURED = Thresholds(0.35, 0.15)
Rank = Callable[[str], list[Match]]


class Phrasings:
    """Every article's normalised phrasings (title included), with their owner."""

    def __init__(self, articles: Sequence[Article]) -> None:
        self.articles = tuple(articles)
        texts: list[str] = []
        owner: list[int] = []
        for i, article in enumerate(articles):
            for phrasing in dict.fromkeys((article.title, *article.questions)):
                norm = normalize(phrasing)
                if norm:
                    texts.append(norm)
                    owner.append(i)
        self.texts = texts
        self.owner = np.array(owner)

    def matches(self, per_phrasing: Any, scale: float = 1.0, squash: bool = False) -> list[Match]:
        """Best phrasing per article, as matches with confidence ``score / scale`` (or
        ``score / (1 + score)`` with ``squash``, for unbounded scores)."""
        best = np.full(len(self.articles), -np.inf)
        np.maximum.at(best, self.owner, np.asarray(per_phrasing, dtype=np.float64))
        order = np.argsort(-best, kind="stable")[:5]
        out = []
        for a in order:
            score = float(best[a])
            if not np.isfinite(score):
                continue
            confidence = max(score, 0.0) / (1.0 + max(score, 0.0)) if squash else score / scale
            out.append(Match(self.articles[int(a)], min(max(confidence, 0.0), 1.0)))
        return out


def rapidfuzz_baseline(p: Phrasings) -> Rank:
    def rank(text: str) -> list[Match]:
        ratios = process.cdist([normalize(text)], p.texts, scorer=fuzz.token_set_ratio)[0]
        return p.matches(ratios, 100.0)

    return rank


def bm25_baseline(p: Phrasings, k1: float = 1.5, b: float = 0.75) -> Rank:
    vocabulary: dict[str, int] = {}
    rows, cols, tfs = [], [], []
    lengths = []
    for r, text in enumerate(p.texts):
        words = text.split()
        lengths.append(len(words))
        for word in set(words):
            rows.append(r)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
            tfs.append(words.count(word))
    n = len(p.texts)
    tf = sparse.csr_matrix((np.array(tfs, float), (rows, cols)), shape=(n, len(vocabulary)))
    df = np.bincount(cols, minlength=len(vocabulary))
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    dl = np.array(lengths, float)
    norm = k1 * (1 - b + b * dl / dl.mean())
    coo = tf.tocoo()
    weights = coo.data * (k1 + 1) / (coo.data + norm[coo.row]) * idf[coo.col]
    matrix = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=tf.shape)

    def rank(text: str) -> list[Match]:
        terms = sorted({vocabulary[w] for w in normalize(text).split() if w in vocabulary})
        if not terms:
            return []
        scores = np.asarray(matrix[:, terms].sum(axis=1)).ravel()
        return p.matches(scores, squash=True)

    return rank


def tfidf_baseline(p: Phrasings) -> tuple[Rank, Rank]:
    vectorizer = Vectorizer(p.texts)
    columns = sparse.csr_matrix(vectorizer.rows.T)

    def sims(text: str) -> Any:
        idx, val = vectorizer.transform_one(normalize(text))
        return np.asarray(columns[idx].T @ val).ravel()

    def cosine(text: str) -> list[Match]:
        return p.matches(sims(text))

    def rescored(text: str) -> list[Match]:
        s = sims(text)
        near = np.argpartition(-s, 50)[:50]
        ratios = process.cdist(
            [normalize(text)], [p.texts[int(i)] for i in near], scorer=fuzz.token_set_ratio
        )[0]
        scores = np.full(len(p.texts), -np.inf)
        scores[near] = 0.5 * s[near] + 0.5 * ratios / 100.0
        return p.matches(scores)

    return cosine, rescored


class _Masked:
    """An index whose candidates have some evidence columns held at zero (so the
    confidence model cannot use them): the matcher without that part."""

    def __init__(self, index: Any, drop: Sequence[str]) -> None:
        self._index = index
        self._drop = [EVIDENCE.index(name) for name in drop]

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self._index.candidates(norm_query, allowed)
        if found is None:
            return None
        evidence = found.evidence.copy()
        evidence[:, self._drop] = 0.0
        return Candidates(found.articles, evidence)


class _Margin:
    """The SVM alone: confidence = its score's lead over the runner-up, squashed."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self._kb = kb
        self._lead = EVIDENCE.index("linear_lead")

    def __call__(self, text: str) -> list[Match]:
        found = self._kb.candidates(text)
        if found is None:
            return []
        leads = found.evidence[:, self._lead]
        return [
            Match(self._kb.articles[int(a)], float(1.0 / (1.0 + np.exp(-4.0 * lead))))
            for a, lead in zip(found.articles[:5], leads[:5], strict=True)
        ]


class _WordEvidence:
    """An index whose candidates carry one more evidence column, computed from which words
    each article's phrasings use (evidence tried on val and not kept)."""

    def __init__(self, index: Any, kind: str) -> None:
        self._index = index
        self._kind = kind
        users: dict[str, list[int]] = {}
        for text, article in zip(index.texts, index.owner, strict=True):
            for word in set(text.split()):
                users.setdefault(word, []).append(int(article))
        self._uses = {w: np.bincount(a, minlength=index.n_articles) for w, a in users.items()}
        self._phrasings = np.bincount(index.owner, minlength=index.n_articles)
        self._idf = index._words.idf
        self._coverage = EVIDENCE.index("article_coverage")

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self._index.candidates(norm_query, allowed)
        if found is None:
            return None
        top = found.articles
        words = [w for w in self._index.fixer.fix(norm_query).split() if w in self._idf]
        if self._kind == "length":
            column = np.full(len(top), len(norm_query.split()), np.float32)
        elif self._kind == "coverage lead":
            cov = found.evidence[:, self._coverage]
            others = [np.delete(cov, k).max(initial=0.0) for k in range(len(top))]
            column = (cov - np.array(others)).astype(np.float32)
        elif self._kind == "missing word":  # IDF of the rarest known word it never uses
            column = np.array(
                [
                    max([self._idf[w] for w in words if not self._uses[w][a]], default=0.0)
                    for a in top
                ],
                np.float32,
            )
        else:  # "word share": lowest in-article share of the informative words, log
            informative = [w for w in words if self._idf[w] > 2.0]
            column = np.array(
                [
                    min(
                        (
                            np.log((self._uses[w][a] + 0.5) / (self._phrasings[a] + 1))
                            for w in informative
                        ),
                        default=0.0,
                    )
                    for a in top
                ],
                np.float32,
            )
        return Candidates(top, np.hstack([found.evidence, column[:, None]]))


class _Uncorrected(SemanticIndex):
    """The semantic scorer embedding the question as typed (normalised), not corrected."""

    def candidates(self, norm_query: str, allowed: Any) -> Candidates | None:
        found = self.index.candidates(norm_query, allowed)
        if found is None:
            return None
        query = self._encoder.encode([norm_query])[0]
        extra = self.evidence_for(query, found.articles, allowed)
        return Candidates(found.articles, np.hstack([found.evidence, extra]))


def _no_typo_correction(kb: KnowledgeBase) -> KnowledgeBase:
    index = kb._index  # a bench variant, not an API
    index.fixer = SpellFixer([])  # knows no words, so corrects none
    return kb


def tier0_variants(articles: Sequence[Article]) -> dict[str, Callable[[], Any]]:
    """Name -> builder of a calibrable KB or of a fixed ``Rank`` (see :func:`main`)."""

    def masked(drop: Sequence[str]) -> Callable[[], KnowledgeBase]:
        def build() -> KnowledgeBase:
            kb = KnowledgeBase.build(articles, learn_confidence=False)
            masked_index: Any = _Masked(kb._index, drop)
            return KnowledgeBase(kb.articles, masked_index, kb.confidence)

        return build

    def with_evidence(kind: str) -> Callable[[], KnowledgeBase]:
        def build() -> KnowledgeBase:
            kb = KnowledgeBase.build(articles, learn_confidence=False)
            extended: Any = _WordEvidence(kb._index, kind)
            return KnowledgeBase(kb.articles, extended, kb.confidence)

        return build

    return {
        "tier0": lambda: KnowledgeBase.build(articles, learn_confidence=False),
        "tier0 without article coverage": masked(["article_coverage"]),
        "tier0 without kNN vote": masked(["knn", "knn_top"]),
        "tier0 without fuzzy scorer": masked(["fuzzy", "fuzzy_lead", "fuzzy_top"]),
        "tier0 without typo correction": lambda: _no_typo_correction(
            KnowledgeBase.build(articles, learn_confidence=False)
        ),
        "tier0 SVM margin only": lambda: _Margin(
            KnowledgeBase.build(articles, learn_confidence=False)
        ),
        "tier0 KB-learnt confidence": lambda: ("fixed model", KnowledgeBase.build(articles)),
        "tier0 + missing-word IDF": with_evidence("missing word"),
        "tier0 + lowest word share": with_evidence("word share"),
        "tier0 + question length": with_evidence("length"),
        "tier0 + coverage lead": with_evidence("coverage lead"),
    }


def _run(rank: Rank, queries: Sequence[Query], cpu: list[float] | None = None) -> list[Outcome]:
    """Rank every query; wall-clock ms in the outcomes, thread CPU ms appended to ``cpu``."""
    outcomes = []
    for query in queries:
        start, start_cpu = time.perf_counter(), time.thread_time()
        matches = rank(query.text)
        if cpu is not None:
            cpu.append((time.thread_time() - start_cpu) * 1000)
        outcomes.append(Outcome(query, tuple(matches), (time.perf_counter() - start) * 1000))
    return outcomes


def val_cv(kb: KnowledgeBase, val: Sequence[Query], splits: int = 20) -> float:
    """Mean ``score`` of 5-fold cross-fitted confidences on val (fitted as ``calibrate``
    does), threshold chosen on them."""
    positions = {a.id: n for n, a in enumerate(kb.articles)}
    scored = [kb.candidates(q.text) for q in val]
    expected = [positions.get(q.expected) if q.expected else None for q in val]
    scores = []
    for split in range(splits):
        folds = np.random.default_rng(split).permutation(len(val)) % CROSS_FOLDS
        outcomes = []
        for fold in range(CROSS_FOLDS):
            examples = Examples.empty()
            for m in np.flatnonzero(folds != fold):
                weight = 1.0 if expected[m] is not None else OUT_OF_SCOPE_WEIGHT
                examples.add(scored[m], expected[m], weight)
            model = fit_confidence(examples, features=kb.evidence) or kb.confidence
            outcomes += [
                Outcome(val[m], tuple(kb.matches(scored[m], model=model)), 0.0)
                for m in np.flatnonzero(folds == fold)
            ]
        scores.append(summarize(outcomes, calibrate_thresholds(outcomes, CONFIGURED)).score)
    return round(float(np.mean(scores)), 4)


def measure(
    name: str,
    made: Any,
    build_ms: float,
    val: Sequence[Query],
    tests: Mapping[str, Sequence[Query]],
) -> dict[str, Any]:
    """Calibrate on val (model and threshold for a KB, threshold only otherwise), then
    measure on each test file."""
    cv = None
    if isinstance(made, tuple):  # a KB keeping its own model: calibrate the threshold only
        kb = made[1]
        thresholds = calibrate_thresholds(_run(lambda t: kb.rank(t), val), CONFIGURED)
        rank: Rank = lambda t: kb.rank(t)  # noqa: E731
    elif isinstance(made, KnowledgeBase):
        cv = val_cv(made, val)
        fitted = calibrate(made, val, CONFIGURED)
        calibrated = made.calibrated(fitted)
        thresholds = fitted.thresholds
        rank = lambda t: calibrated.rank(t)  # noqa: E731
    else:
        rank = made
        thresholds = calibrate_thresholds(_run(rank, val), CONFIGURED)
    row: dict[str, Any] = {"matcher": name, "build_ms": round(build_ms, 1)}
    if isinstance(made, KnowledgeBase):
        row["val_cv"] = cv
    for file, queries in tests.items():
        cpu: list[float] = []
        row[file] = summarize(_run(rank, queries, cpu), thresholds, build_ms).to_dict()
        row[file]["cpu_p50_ms"] = round(float(np.percentile(cpu, 50)), 3)
        row[file]["cpu_p99_ms"] = round(float(np.percentile(cpu, 99)), 3)
    return row


def table(rows: list[dict[str, Any]], baselines: Sequence[str]) -> str:
    best = {
        file: max(r[file]["score"] for r in rows if r["matcher"] in baselines)
        for file in ("test", "test-typos")
    }
    tfidf_p50 = next(r for r in rows if r["matcher"] == "tfidf")["test"]["p50_ms"]
    head = (
        "| matcher | val CV | top1 | top3 | deflection | precision | oos_escalation | score "
        "| score / best baseline | typos score | typos / best baseline | suggest hit "
        "| p50 ms | p99 ms | p50 / tfidf | cpu p50 ms | cpu p99 ms | build s |"
    )
    lines = [head, "|" + "---|" * 18]
    for r in rows:
        t, ty = r["test"], r["test-typos"]
        lines.append(
            f"| {r['matcher']} | {r.get('val_cv') or '-'} "
            f"| {t['top1_accuracy']:.4f} | {t['top3_recall']:.4f} "
            f"| {t['deflection_rate']:.4f} | {t['answer_precision']:.4f} "
            f"| {t['oos_escalation_rate']:.4f} | **{t['score']:.4f}** "
            f"| {t['score'] / best['test']:.3f} | {ty['score']:.4f} "
            f"| {ty['score'] / best['test-typos']:.3f} | {t['suggest_hit_rate']:.4f} "
            f"| {t['p50_ms']:.2f} | {t['p99_ms']:.2f} "
            f"| {t['p50_ms'] / max(tfidf_p50, 1e-9):.2f} "
            f"| {t['cpu_p50_ms']:.2f} | {t['cpu_p99_ms']:.2f} | {r['build_ms'] / 1000:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _semantic_rows(
    articles: Sequence[Article], label: str, encoder: FunctionEncoder
) -> dict[str, Callable[[], Any]]:
    """tier0 with an encoder's evidence (:mod:`kb.semantic`), and for the shipped one the
    same with the question embedded before typo correction."""

    def build() -> KnowledgeBase:
        return KnowledgeBase.build(articles, learn_confidence=False, semantic=encoder)

    def uncorrected() -> KnowledgeBase:
        kb = build()
        assert isinstance(kb._index, SemanticIndex)
        index: Any = _Uncorrected(kb._index.index, encoder)
        return KnowledgeBase(kb.articles, index, kb.confidence)

    if label != "semantic":
        return {f"tier0 + {label} evidence": build}
    return {"tier0 + semantic": build, "tier0 + semantic, question not typo-corrected": uncorrected}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=BANKING77)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--only", action="append", help="run only these matchers (repeatable)")
    args = parser.parse_args(argv)
    articles = load_articles([args.data / "kb"]).articles
    val = load_queries(args.data / "val.jsonl")
    tests = {
        "test": load_queries(args.data / "test.jsonl"),
        "test-typos": load_queries(args.data / "test-typos.jsonl"),
    }

    def baselines() -> dict[str, Callable[[], Any]]:
        p = Phrasings(articles)
        cosine, rescored = tfidf_baseline(p)
        return {
            "rapidfuzz": lambda: rapidfuzz_baseline(p),
            "bm25": lambda: bm25_baseline(p),
            "tfidf": lambda: cosine,
            "tfidf+rapidfuzz": lambda: rescored,
        }

    base = baselines()
    matchers = {**base, **tier0_variants(articles)}
    notes: list[str] = []
    encoder = load_encoder()
    if encoder is None:
        notes.append("minilm rows left out: the bench-minilm extra is not installed")
    else:
        encode, startup_s = encoder
        notes.append(f"MiniLM start-up (import and load, one thread): {startup_s:.1f} s")
        base["minilm"] = lambda: minilm_baseline(Phrasings(articles), encode)

        def with_minilm() -> KnowledgeBase:
            kb = KnowledgeBase.build(articles, learn_confidence=False)
            extended: Any = SemanticEvidence(kb._index, encode)
            return KnowledgeBase(kb.articles, extended, kb.confidence)

        matchers = {**base, **tier0_variants(articles), "tier0 + MiniLM evidence": with_minilm}
    for label, loaded in (("semantic", shipped_encoder()), ("WordLlama", wordllama_encoder())):
        if loaded is None:
            notes.append(f"{label} rows left out: its packages are not installed")
            continue
        notes.append(f"{label} encoder start-up (import and load): {loaded[1]:.1f} s")
        matchers.update(_semantic_rows(articles, label, FunctionEncoder(loaded[0])))
    rows = []
    for name, build in matchers.items():
        if args.only and name not in args.only and name not in base:
            continue
        start = time.perf_counter()
        made = build()
        build_ms = (time.perf_counter() - start) * 1000
        rows.append(measure(name, made, build_ms, val, tests))
        print(f"{name}: test {rows[-1]['test']['score']}, typos {rows[-1]['test-typos']['score']}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "kb_quality.json").write_text(
        json.dumps({"notes": notes, "rows": rows}, indent=2) + "\n"
    )
    markdown = table(rows, list(base)) + "".join(f"\n{note}\n" for note in notes)
    (args.out / "kb_quality.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
