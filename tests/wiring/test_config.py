"""Settings: the example file is the defaults, and every mistake names its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings
from tier0.config import load_settings

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.toml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tier0.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_configuration_is_valid_and_documents_the_defaults() -> None:
    assert load_settings(EXAMPLE, environ={}) == Settings()


def test_without_a_file_the_embedded_defaults_apply(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    settings = load_settings(environ={})

    assert settings.database.url == "sqlite:///tier0.db"
    assert settings.kb.paths[0].name == "sample" and settings.kb.paths[0].is_dir()


def test_database_url_comes_from_the_environment_over_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[database]\nurl = "sqlite:///file.db"\n')

    settings = load_settings(path, environ={"DATABASE_URL": "postgresql://db/tier0"})

    assert settings.database.url == "postgresql://db/tier0"


def test_platform_endpoints_can_be_set_from_the_environment(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, "[slack]\nenabled = true\n"),
        environ={
            "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "DISCORD_API_BASE": "http://127.0.0.1:9/api/v10",
            "DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/",
        },
    )

    assert settings.slack.enabled and settings.slack.api_url == "http://127.0.0.1:9/api/"
    assert settings.discord.api_base == "http://127.0.0.1:9/api/v10"
    assert settings.discord.gateway_url == "ws://127.0.0.1:9/"


def test_a_bad_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"slack.api_url \(set by \$SLACK_API_URL\)"):
        load_settings(environ={"SLACK_API_URL": "slack.example.com/api"})


def test_any_setting_can_come_from_a_tier0_variable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[tickets.tiers]]\nname = "Service desk"\n[[tickets.tiers]]\nname = "Specialists"\n',
    )

    settings = load_settings(
        path,
        environ={
            "TIER0__SLACK__ENABLED": "true",
            "TIER0__SLACK__HELP_CHANNELS": '["C0HELP"]',
            "TIER0__SLACK__TRIAGE_CHANNELS": '{ "Service desk" = "C0T1", "Specialists" = "C0T2" }',
            "TIER0__TICKETS__TIERS__1__AGENTS": '["slack:U0BOB"]',
            "TIER0__DISCORD__GUILD_ID": "123456789",
        },
    )

    assert settings.slack.enabled and settings.slack.help_channels == ["C0HELP"]
    assert settings.slack.triage_channels == {"Service desk": "C0T1", "Specialists": "C0T2"}
    assert settings.tickets.tiers[1].agents == ["slack:U0BOB"]
    assert settings.discord.guild_id == "123456789"


@pytest.mark.parametrize(
    ("variable", "message"),
    [
        (
            "TIER0__TICKETS__TIERS__5__AGENTS",
            "$TIER0__TICKETS__TIERS__5__AGENTS: there is no item 5",
        ),
        ("TIER0__SLACK__HTTP_PORT", "slack.http_port (set by $TIER0__SLACK__HTTP_PORT)"),
    ],
)
def test_a_bad_tier0_variable_is_named(tmp_path: Path, variable: str, message: str) -> None:
    path = write(tmp_path, '[[tickets.tiers]]\nname = "Service desk"\n')

    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={variable: "[1, 2]"})

    assert message in str(raised.value)


def test_kb_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(tmp_path, '[kb]\npaths = ["articles"]\n')

    assert load_settings(path, environ={}).kb.paths == [tmp_path / "articles"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "[tickets]\nreopen_days = 'soon'\n",
            "tickets.reopen_days: Input should be a valid integer",
        ),
        ("[tickets]\nprioritys = []\n", "tickets.prioritys: unknown setting"),
        (
            "[kb]\nanswer_threshold = 1.5\n",
            "kb.answer_threshold: Input should be less than or equal to 1",
        ),
        ("[tickets]\ndefault_priority = 'meh'\n", "default_priority 'meh' is not one of"),
        (
            "[slack]\naudience = 'everyone'\n",
            "slack.audience: Input should be 'internal', 'external' or 'all'",
        ),
        (
            "[kb]\ndefault_audience = 'everyone'\n",
            "kb.default_audience: Input should be 'internal', 'external' or 'all'",
        ),
        ("[tickets]\ntiers = []\n", "tickets.tiers: List should have at least 1 item"),
        ("[slack]\ntriage_channels = { L9 = 'C1' }\n", "triage_channels name unknown tiers ['L9']"),
        ("[slack]\nmode = 'carrier-pigeon'\n", "slack.mode: Input should be 'socket' or 'http'"),
    ],
)
def test_an_invalid_setting_is_reported_with_its_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path, text)

    with pytest.raises(ConfigError) as raised:
        load_settings(path, environ={})

    assert str(path) in str(raised.value)
    assert message in str(raised.value)


def test_a_broken_toml_file_is_reported_with_its_path(tmp_path: Path) -> None:
    path = write(tmp_path, "[kb\n")

    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(path, environ={})


def test_a_missing_config_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_settings(tmp_path / "nope.toml", environ={})
