"""Typo correction, calibration files, confidence order and the fallback without them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from kb.articles import load_articles
from kb.calibrate import calibrate
from kb.calibration import (
    CALIBRATION_FILE,
    Calibration,
    CalibrationError,
    find_calibration,
    load_calibration,
)
from kb.confidence import ConfidenceModel
from kb.decision import Thresholds
from kb.evaluation import Query
from kb.search import KnowledgeBase
from kb.typos import SpellFixer, is_slip
from tier0.cli.kb import cmd_calibrate, cmd_eval

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = Path(__file__).resolve().parents[2] / "kb" / "sample"
SAMPLE_QUERIES = Path(__file__).parent / "data" / "sample_queries.jsonl"


@pytest.fixture(scope="module")
def sample_kb() -> KnowledgeBase:
    return KnowledgeBase.build(load_articles([SAMPLE]).articles, learn_confidence=False)


@pytest.mark.parametrize(
    ("typed", "intended"),
    [
        ("pasword", "password"),
        ("pssword", "password"),
        ("passwrod", "password"),
        ("passsword", "password"),
        ("oassword", "password"),
        ("printr", "printer"),
    ],
)
def test_keyboard_slips_are_corrected_to_kb_words(typed: str, intended: str) -> None:
    fixer = SpellFixer(["reset my password", "printer is jammed"])
    assert fixer.fix(f"my {typed} please") == f"my {intended} please"


def test_real_words_that_are_not_slips_stay() -> None:
    assert not is_slip("leaving", "leaking")  # k and v are far apart on a keyboard
    fixer = SpellFixer(["leaving the company", "vpn access"])
    assert fixer.fix("the tap is leaking") == "the tap is leaking"
    assert fixer.fix("vpm") == "vpm"  # short words are left alone
    assert fixer.fix("bpn acces") == "bpn access"


def test_typos_find_the_right_article(sample_kb: KnowledgeBase) -> None:
    assert sample_kb.rank("my vnp wont conect")[0].article.id == "vpn-cannot-connect"
    assert sample_kb.rank("forgot my pasword")[0].article.id in {
        "password-reset",
        "account-password-reset",
    }


def test_matches_come_most_confident_first(sample_kb: KnowledgeBase) -> None:
    for query in [line["text"] for line in map(json.loads, SAMPLE_QUERIES.open())][:30]:
        confidences = [m.confidence for m in sample_kb.rank(query, limit=8)]
        assert confidences == sorted(confidences, reverse=True), query


def calibration_queries() -> list[Query]:
    return [Query(q["text"], q["expected"]) for q in map(json.loads, SAMPLE_QUERIES.open())]


def test_calibration_round_trips_through_its_file(sample_kb: KnowledgeBase, tmp_path: Path) -> None:
    fitted = calibrate(sample_kb, calibration_queries(), Thresholds(0.5, 0.3))
    assert fitted.n_queries == 84
    assert 0 < fitted.thresholds.suggest <= 1
    path = tmp_path / CALIBRATION_FILE
    fitted.save(path)
    assert find_calibration([tmp_path / "elsewhere", tmp_path]) == path
    loaded = load_calibration(path)
    assert loaded.thresholds == fitted.thresholds
    query = "my vpn won't connect"
    before = sample_kb.calibrated(fitted).rank(query)
    after = sample_kb.calibrated(loaded).rank(query)
    assert [(m.article.id, m.confidence) for m in before] == [
        (m.article.id, m.confidence) for m in after
    ]
    kb = KnowledgeBase.build(sample_kb.articles, calibration=loaded)
    assert kb.thresholds == fitted.thresholds


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "Expecting property name"),
        ('{"format": 99}', "not a tier0 calibration"),
        ('{"format": 1, "thresholds": {"answer": 2, "suggest": 0}}', "threshold 'answer'"),
        (
            '{"format": 1, "thresholds": {"answer": 0.5, "suggest": 0.1},'
            ' "confidence": {"features": ["old"]}}',
            "calibrate the KB again",
        ),
    ],
)
def test_a_bad_calibration_file_names_the_problem(
    tmp_path: Path, content: str, reason: str
) -> None:
    path = tmp_path / "cal.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CalibrationError, match=reason) as error:
        load_calibration(path)
    assert str(path) in str(error.value)


def test_without_calibration_the_kb_learns_its_own_confidence(tiny_kb: KnowledgeBase) -> None:
    assert tiny_kb.thresholds is None
    right = tiny_kb.rank("vpn says my password expired")[0]
    assert right.article.id == "vpn-reset" and right.confidence > 0.5
    prior = KnowledgeBase.build(tiny_kb.articles, learn_confidence=False)
    assert prior.confidence.to_dict() == ConfidenceModel.prior().to_dict()
    assert prior.rank("vpn says my password expired")[0].article.id == "vpn-reset"


def test_too_few_questions_keep_the_kb_model_and_only_pick_a_threshold(
    tiny_kb: KnowledgeBase,
) -> None:
    fitted = calibrate(
        tiny_kb, [Query("vpn says my password expired", "vpn-reset")], Thresholds(0.5, 0.2)
    )
    assert fitted.model is tiny_kb.confidence


def test_cli_calibrate_writes_beside_the_kb_and_eval_uses_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    for article in load_articles([SAMPLE / "en"]).articles:
        (kb_dir / article.path.name).write_bytes(article.path.read_bytes())
    args = argparse.Namespace(
        config=None,
        thresholds=Thresholds(0.35, 0.15),
        kb=[kb_dir],
        queries=SAMPLE_QUERIES,
        out=None,
        json=True,
    )
    assert cmd_calibrate(args) == 0
    summary = json.loads(capsys.readouterr().out)
    saved = Calibration.from_dict(json.loads((kb_dir / CALIBRATION_FILE).read_text()))
    assert summary["answer_threshold"] == saved.thresholds.answer
    args = argparse.Namespace(
        config=None,
        thresholds=Thresholds(0.35, 0.15),
        kb=[kb_dir],
        queries=SAMPLE_QUERIES,
        calibrate=None,
        calibration=None,
        json=True,
    )
    assert cmd_eval(args) == 0
    assert json.loads(capsys.readouterr().out)["threshold"] == saved.thresholds.answer
