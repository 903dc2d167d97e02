"""``tier0 run`` refuses a bad configuration or a missing secret with a clear message and a
non-zero exit, never a traceback; ``tier0 run --check`` validates without connecting.

The commands are short-lived and independent, so they run side by side (started together
by one fixture) and each test checks one outcome.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.adapters.discord_adapter.conftest import guild
from tests.fakes.discord_server import FakeDiscord
from tests.fakes.slack_server import FakeSlack
from tests.service.conftest import Service, config_text
from tests.service.process import EXIT_TIMEOUT, command


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


INVALID_SETTINGS = """
[slack]
enabeld = true
http_port = 70000
"""

CASES: dict[str, tuple[str, dict[str, str | None], list[str]]] = {
    # name: (extra TOML appended to the good file, environment changes, arguments)
    "invalid settings": (INVALID_SETTINGS, {}, ["run"]),
    "missing app token": ("", {"SLACK_APP_TOKEN": None}, ["run"]),
    "check passes": ("", {}, ["run", "--check"]),
    "check without discord token": ("", {"DISCORD_TOKEN": None}, ["run", "--check"]),
}


@dataclass
class Fakes:
    slack: FakeSlack
    discord: FakeDiscord


@pytest.fixture(scope="module")
def fakes() -> Iterator[Fakes]:
    with FakeSlack() as slack, FakeDiscord(guild=guild()) as discord:
        yield Fakes(slack, discord)


@pytest.fixture(scope="module")
def outcomes(fakes: Fakes, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    running: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, (extra, changes, arguments) in CASES.items():
            cwd = tmp_path_factory.mktemp(name.replace(" ", "-"))
            service = Service(cwd, f"sqlite:///{cwd / 'tier0.db'}", fakes.slack, fakes.discord)
            config = cwd / "tier0.toml"
            config.write_text(merge(config_text(fakes.slack, fakes.discord), extra))
            running[name] = subprocess.Popen(
                command(config, *arguments),
                env=service.env(**changes),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        results = {}
        for name, process in running.items():
            stdout, stderr = process.communicate(timeout=3 * EXIT_TIMEOUT)
            results[name] = Outcome(process.returncode, stdout, stderr)
        return results
    finally:
        for process in running.values():
            if process.poll() is None:
                process.kill()
                process.wait()


def merge(toml: str, extra: str) -> str:
    """``extra``'s keys go into the good file's sections of the same name."""
    for section in extra.split("\n["):
        header, _, body = section.strip().partition("\n")
        if header:
            header = "[" + header.lstrip("[")
            toml = toml.replace(header + "\n", f"{header}\n{body}\n", 1)
    return toml


def refused(outcome: Outcome) -> list[str]:
    """The message lines of a refused start: exit 2, nothing on stdout, no traceback."""
    assert outcome.code == 2, outcome
    assert "Traceback" not in outcome.output, outcome.output
    assert outcome.stdout == ""
    return outcome.stderr.strip().splitlines()


def test_unknown_keys_and_bad_values_are_named_in_the_message(
    outcomes: dict[str, Outcome],
) -> None:
    lines = refused(outcomes["invalid settings"])
    assert lines[0].startswith("tier0: configuration error: ")
    assert lines[0].endswith("tier0.toml: invalid configuration")
    assert any("slack.enabeld: unknown setting" in line for line in lines[1:])
    assert any("slack.http_port: " in line and "65535" in line for line in lines[1:])
    assert len(lines) == 3


def test_a_missing_token_is_named_on_one_line(outcomes: dict[str, Outcome]) -> None:
    lines = refused(outcomes["missing app token"])
    assert len(lines) == 1
    assert lines[0].startswith("tier0: configuration error: SLACK_APP_TOKEN is not set")


def test_check_validates_a_good_configuration_without_connecting(
    outcomes: dict[str, Outcome], fakes: Fakes
) -> None:
    outcome = outcomes["check passes"]
    assert outcome.code == 0, outcome
    assert outcome.stdout.startswith("configuration OK: slack, discord; ")
    assert "database reachable" in outcome.stdout
    assert "Traceback" not in outcome.output
    assert fakes.slack.calls() == []
    assert fakes.discord.requests == [] and fakes.discord.gateway_connections == []


def test_check_fails_on_a_missing_token(outcomes: dict[str, Outcome]) -> None:
    lines = refused(outcomes["check without discord token"])
    assert len(lines) == 1
    assert lines[0].startswith("tier0: configuration error: DISCORD_TOKEN is not set")
