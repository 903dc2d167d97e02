"""A log line is one line whatever text it carries: ``tier0 run``'s formatters (text and
JSON) escape line breaks and other control characters in the message and its arguments."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.security.payloads import hostile_text
from tests.service.process import clean_environment, command
from tier0.logs import TRACEBACK_INDENT, JsonFormatter, TextFormatter

FORGED = "\n2026-12-07 18:00:00,000 ERROR tier0.service: FORGED LINE"
BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
"""Everything ``str.splitlines`` (and so many a log reader) takes for the end of a line."""

hostile_log_text = hostile_text | st.lists(
    st.sampled_from([*BREAKS, "\x1b[31m", "\x00", "\t", "a", " "]), max_size=12
).map("".join)


def record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("tier0.test", logging.WARNING, __file__, 1, message, args, None)


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()], ids=["text", "json"])
def test_a_forged_line_in_an_argument_stays_inside_the_line(formatter: logging.Formatter) -> None:
    line = formatter.format(record("refused a message: %s", FORGED))

    assert len(line.splitlines()) == 1
    assert "\\n2026-12-07 18:00:00,000 ERROR tier0.service: FORGED LINE" in line


def test_terminal_codes_and_unicode_line_separators_are_written_as_escapes() -> None:
    line = TextFormatter().format(record("%s|%s|%s", "\x1b[2J", "a\u2028b", "tab\there"))

    assert line.endswith("\\x1b[2J|a\\u2028b|tab\\there")


def test_a_forged_line_in_an_exception_message_stays_under_its_record() -> None:
    try:
        raise ValueError(f"bad payload {FORGED}\x1b[2J")
    except ValueError:
        failed = logging.LogRecord(
            "tier0.test", logging.ERROR, __file__, 1, "could not handle", None, sys.exc_info()
        )
    lines = TextFormatter().format(failed).splitlines()

    assert lines[0].endswith("ERROR tier0.test: could not handle")
    assert all(line.startswith(TRACEBACK_INDENT) for line in lines[1:])
    assert "\x1b" not in "".join(lines)


@settings(max_examples=200, deadline=None)
@given(hostile_log_text, hostile_log_text)
def test_any_text_makes_one_text_line(message: str, argument: str) -> None:
    line = TextFormatter().format(record(message.replace("%", "%%") + " %s", argument))

    assert line.splitlines() == [line]
    assert not any(0x7F <= ord(c) <= 0x9F or ord(c) < 0x20 for c in line)


@settings(max_examples=200, deadline=None)
@given(hostile_log_text, hostile_log_text)
def test_any_text_makes_one_json_object_on_one_line(message: str, argument: str) -> None:
    line = JsonFormatter().format(record(message.replace("%", "%%") + " %s", argument))

    assert line.splitlines() == [line]
    assert json.loads(line)["logger"] == "tier0.test"


def test_the_command_line_logs_a_hostile_file_name_on_one_line(tmp_path: Path) -> None:
    """Every ``tier0`` command logs through the same formatter: here ``tier0 chat`` warns
    about a knowledge base file whose name carries a forged line."""
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / f"evil{FORGED}.md").write_text("---\ntitle: [unclosed\n---\nbody\n")
    config = tmp_path / "tier0.toml"
    config.write_text(
        f'[kb]\npaths = ["articles"]\n[database]\nurl = "sqlite:///{tmp_path}/t.db"\n'
    )

    result = subprocess.run(
        command(config, "chat"),
        input="",
        env=clean_environment({}),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    logged = result.stderr.splitlines()
    assert [line for line in logged if "evil" in line and FORGED.strip() in line], logged
    assert [line for line in logged if line.startswith(FORGED.strip())] == []
