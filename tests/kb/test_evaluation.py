"""Eval metrics on hand-made rankings, where every number can be checked by hand."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from kb.articles import Article
from kb.decision import Match, Thresholds
from kb.evaluation import (
    Outcome,
    Query,
    QueryFileError,
    calibrate_thresholds,
    evaluate,
    load_queries,
    summarize,
)
from kb.search import KnowledgeBase
from tier0.cli.kb import cmd_eval, cmd_search, cmd_validate

FIXTURES = Path(__file__).parent / "fixtures"


def article(article_id: str) -> Article:
    return Article(article_id, article_id, ("q",), (), "all", "en", "", Path("x.md"))


def outcome(expected: str | None, *ranked: tuple[str, float], ms: float = 1.0) -> Outcome:
    matches = tuple(Match(article(a), c) for a, c in ranked)
    return Outcome(Query("text", expected), matches, ms)


# Thresholds answer 0.8 / suggest 0.4. Four in-scope queries, two out of scope.
OUTCOMES = [
    outcome("a", ("a", 0.9), ("b", 0.1)),  # answered right
    outcome("a", ("b", 0.85), ("a", 0.5)),  # answered wrong (top1 miss, top3 hit)
    outcome("c", ("d", 0.6), ("c", 0.5), ("a", 0.45)),  # suggested, list holds c
    outcome("c", ("d", 0.2), ("e", 0.1), ("f", 0.05), ("c", 0.01)),  # escalated, top3 miss
    outcome(None, ("a", 0.95)),  # out of scope, wrongly answered
    outcome(None, ("b", 0.5), ("a", 0.2)),  # out of scope, suggested (not answered)
]


def test_metrics_match_hand_computation() -> None:
    report = summarize(OUTCOMES, Thresholds(0.8, 0.4), build_ms=12.0)
    assert (report.n, report.n_in_scope, report.n_out_of_scope) == (6, 4, 2)
    assert report.top1_accuracy == 0.25
    assert report.top3_recall == 0.75
    assert report.deflection_rate == 0.25
    assert report.answer_precision == pytest.approx(0.3333, abs=1e-4)  # 1 right of 3 answered
    assert report.oos_escalation_rate == 0.5
    assert report.suggest_hit_rate == 0.5  # two suggested, one held the expected article
    assert report.score == 0.375
    assert report.threshold == 0.8
    assert report.build_ms == 12.0 and report.p50_ms == 1.0


def test_calibration_picks_the_best_answer_threshold() -> None:
    # With one more right answer at 0.97 (five in scope, two out of scope):
    # answer >= 0.85 -> deflection 2/5, OOS escalation 1/2 -> 0.45; >= 0.9 -> 0.45;
    # >= 0.95 -> 1/5 and 1/2 -> 0.35; >= 0.97 -> 1/5 and 2/2 -> 0.6; 1.0 -> 0 and 1 -> 0.5.
    outcomes = [*OUTCOMES, outcome("a", ("a", 0.97))]
    chosen = calibrate_thresholds(outcomes, Thresholds(0.8, 0.4))
    assert chosen.answer == 0.97
    # Unanswered lists, most likely first: three hits at 1.0 (capped sums), then misses
    # at 0.95 and 0.7 (out of scope) and 0.35 (c not among the best three).
    assert chosen.suggest == 1.0
    assert summarize(outcomes, chosen).score == 0.6


def test_suggest_threshold_is_the_lowest_whose_lists_usually_hold_the_answer() -> None:
    # No right best match, so nothing is answered (answer threshold 1.0); lists by chance:
    # 0.9 .. 0.5 hit (5/5), 0.4 misses (5/6), 0.3 hits (6/7 = 0.857), 0.2 misses (6/8)
    hits = [outcome("a", ("b", c - 0.1), ("a", 0.1)) for c in (0.9, 0.8, 0.7, 0.6, 0.5)]
    outcomes = [
        *hits,
        outcome(None, ("b", 0.3), ("a", 0.1)),
        outcome("a", ("b", 0.2), ("a", 0.1)),
        outcome(None, ("b", 0.1), ("a", 0.1)),
    ]
    chosen = calibrate_thresholds(outcomes, Thresholds(0.5, 0.5))
    assert chosen.answer == 1.0
    assert chosen.suggest == pytest.approx(0.3)
    assert summarize(outcomes, chosen).suggest_hit_rate == pytest.approx(0.8571, abs=1e-4)


def test_suggest_threshold_without_good_lists_is_the_most_reliable_one() -> None:
    misses = [outcome(None, ("b", c)) for c in (0.6, 0.3)]
    assert calibrate_thresholds(misses, Thresholds(0.5, 0.2)).suggest == 0.6
    only_answers = [outcome("a", ("a", 0.9)), outcome(None)]
    assert calibrate_thresholds(only_answers, Thresholds(0.5, 0.2)).suggest == 0.2


def test_calibration_prefers_the_careful_threshold_on_ties() -> None:
    outcomes = [outcome("a", ("a", 0.6)), outcome(None, ("a", 0.3))]
    assert calibrate_thresholds(outcomes, Thresholds(0.5, 0.5)).answer == 0.6


def test_load_queries_names_the_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"text": "ok", "expected": null}\n{"text": "broken"\n', encoding="utf-8")
    with pytest.raises(QueryFileError, match=r"q.jsonl:2: not valid JSON"):
        load_queries(path)
    path.write_text('{"text": 3, "expected": "a"}\n', encoding="utf-8")
    with pytest.raises(QueryFileError, match=r":1: 'text' must be a string"):
        load_queries(path)
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(QueryFileError, match=r":1: missing 'expected'"):
        load_queries(path)


def test_evaluate_end_to_end_on_tiny_kb(tiny_kb: KnowledgeBase) -> None:
    queries = load_queries(FIXTURES / "tiny_queries.jsonl")
    assert queries[2] == Query("what is the capital of France", None)
    report = evaluate(tiny_kb, queries, Thresholds(0.5, 0.2), calibration=queries)
    assert (report.n, report.n_in_scope, report.n_out_of_scope) == (3, 2, 1)
    assert report.top1_accuracy == 1.0
    assert report.score == 1.0  # exact phrasings answered, off-topic question not answered


def cli_args(**kwargs: object) -> argparse.Namespace:
    defaults: dict[str, object] = {"config": None, "thresholds": Thresholds(0.5, 0.2)}
    return argparse.Namespace(**{**defaults, **kwargs})


def test_cli_eval_json_prints_one_object(capsys: pytest.CaptureFixture[str]) -> None:
    args = cli_args(
        kb=[FIXTURES / "tiny_kb"],
        queries=FIXTURES / "tiny_queries.jsonl",
        calibrate=None,
        json=True,
    )
    assert cmd_eval(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 3 and report["threshold"] == 0.5


def test_cli_validate_exit_codes(tmp_path: Path) -> None:
    assert cmd_validate(cli_args(dirs=[FIXTURES / "tiny_kb"])) == 0
    (tmp_path / "bad.md").write_text("---\ntitle: x\n---\n", encoding="utf-8")
    assert cmd_validate(cli_args(dirs=[tmp_path])) == 1


def validate(args: argparse.Namespace) -> tuple[int, list[str]]:
    """``kb validate``'s exit code and the lines it printed (never wrapped)."""
    out = io.StringIO()
    code = cmd_validate(args, Console(file=out, width=1000))
    return code, out.getvalue().splitlines()


STAFF_ONLY_TYPO = "---\ntitle: Staff VPN\nquestions: [vpn]\naudiance: internal\ntag: [vpn]\n---\n"


def test_cli_validate_lists_every_problem_of_every_file(tmp_path: Path) -> None:
    staff, empty = tmp_path / "staff.md", tmp_path / "empty.md"
    staff.write_text(STAFF_ONLY_TYPO, encoding="utf-8")
    empty.write_text("---\n---\n", encoding="utf-8")

    code, lines = validate(cli_args(dirs=[FIXTURES / "tiny_kb", tmp_path]))

    assert code == 1
    assert lines == [
        f"{empty}: the front matter is empty: give at least 'title' and 'questions'",
        f"{staff}: unknown front-matter key 'audiance': did you mean 'audience'?",
        f"{staff}: unknown front-matter key 'tag': did you mean 'tags'?",
        "4 article(s) loaded, 3 error(s) in 2 file(s)",
    ]


def test_cli_validate_without_a_folder_checks_the_configured_kb(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "staff.md").write_text(STAFF_ONLY_TYPO, encoding="utf-8")
    config = tmp_path / "tier0.toml"
    config.write_text('[kb]\npaths = ["articles"]\n', encoding="utf-8")

    code, lines = validate(cli_args(dirs=[], config=config))

    assert code == 1
    assert lines[0] == f"checking the configured KB: {articles}"
    assert lines[-1] == "0 article(s) loaded, 2 error(s) in 1 file(s)"


def test_cli_validate_without_a_folder_and_with_bad_settings_says_so(tmp_path: Path) -> None:
    config = tmp_path / "tier0.toml"
    config.write_text("[kb]\npath = ['articles']\n", encoding="utf-8")

    code, lines = validate(cli_args(dirs=[], config=config))

    assert code == 2
    assert "kb.path: unknown setting" in "\n".join(lines)


def test_cli_search_for_customers_shows_no_article_that_states_no_audience(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "vpn.md").write_text(
        "---\ntitle: Staff VPN\nquestions: [vpn password expired]\n---\n", encoding="utf-8"
    )
    config = tmp_path / "tier0.toml"
    search = cli_args(
        text="vpn password expired", audience="external", locale=None, limit=3, config=config
    )

    config.write_text('[kb]\npaths = ["articles"]\n', encoding="utf-8")
    assert cmd_search(search) == 0
    assert "Staff VPN" not in capsys.readouterr().out

    config.write_text('[kb]\npaths = ["articles"]\ndefault_audience = "all"\n', encoding="utf-8")
    assert cmd_search(search) == 0
    assert "Staff VPN" in capsys.readouterr().out


def test_cli_search_runs(capsys: pytest.CaptureFixture[str]) -> None:
    args = cli_args(text="wifi", kb=[FIXTURES / "tiny_kb"], audience=None, locale=None, limit=3)
    assert cmd_search(args) == 0
    out = capsys.readouterr().out
    assert "wifi-connect" in out and "decision:" in out
