"""The settings the core runs on: one typed, frozen model per section of ``tier0.toml``.

Reading them from the file and the environment is the composition root's job
(``tier0.config``); the core only ever receives a validated ``Settings``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.platform_settings import ConsoleSettings, DiscordSettings, ServiceSettings, SlackSettings
from bot.sla.settings import SLASettings

__all__ = [
    "SAMPLE_KB",
    "DatabaseSettings",
    "KBSettings",
    "LimitSettings",
    "PrivacySettings",
    "Settings",
    "TicketSettings",
    "TierSettings",
]


SAMPLE_KB = Path(__file__).resolve().parent.parent / "kb" / "sample"

Audience = Literal["internal", "external", "all"]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseSettings(_Section):
    url: str = "sqlite:///tier0.db"
    # Connections each process keeps (PostgreSQL), and how many more it may open at a peak.
    pool_size: int = Field(default=5, ge=1, le=200)
    max_overflow: int = Field(default=10, ge=0, le=200)


class KBSettings(_Section):
    paths: list[Path] = Field(default_factory=lambda: [SAMPLE_KB])
    # The audience of an article whose front matter names none: staff only unless chosen
    # otherwise, so a forgotten field never shows an article to customers.
    default_audience: Audience = "internal"
    answer_threshold: Probability = 0.35
    suggest_threshold: Probability = 0.15
    calibration: Path | None = None
    # Where built KB indexes are kept for every worker to map (None: ~/.cache/tier0/kb-index).
    cache_dir: Path | None = None
    # Sentence-embedding evidence (needs the semantic extra and a calibration fitted with it).
    semantic: bool = False
    # Platform -> channel id where the week's KB gaps are posted on Mondays (none: not posted).
    gaps_channels: dict[str, str] = Field(default_factory=dict)


class LimitSettings(_Section):
    # Longer messages are cut to this many characters (the writer is told).
    max_message_chars: int = Field(default=4000, ge=100)
    # Messages, commands, button presses and forms one person may send a minute before the
    # bot stops acting on them for the rest of that minute (it says so once; their messages
    # are still kept). Counted in the database, so across workers. 0: no limit.
    messages_per_minute: int = Field(default=60, ge=0)


class PrivacySettings(_Section):
    # Days after which message text, ticket subjects and comments are purged (rows,
    # timings and ratings stay for reports); 0 keeps them forever.
    transcript_retention_days: int = Field(default=0, ge=0)


class TierSettings(_Section):
    """One human tier: who works it, as ``platform:user-id`` or ``platform:role-id``."""

    name: str = Field(min_length=1)
    agents: list[str] = Field(default_factory=list)
    roles: list[str] = Field(default_factory=list)


def _default_tiers() -> list[TierSettings]:
    return [
        TierSettings(name="Service desk", agents=["console:alice"]),
        TierSettings(name="Specialists", agents=["console:bob"]),
    ]


class TicketSettings(_Section):
    key_prefix: str = Field(default="T", pattern=r"^[A-Z][A-Z0-9]{0,9}$")
    priorities: list[str] = Field(default_factory=lambda: ["low", "normal", "high", "urgent"])
    default_priority: str = "normal"
    tiers: list[TierSettings] = Field(default_factory=_default_tiers, min_length=1)
    reopen_days: int = Field(default=7, ge=0)
    note_prefix: str = Field(default="!note", min_length=1)
    max_open_per_requester: int = Field(default=3, ge=1)
    new_ticket_cooldown_seconds: int = Field(default=60, ge=0)
    # Where a ticket shares its conversation with new questions (a DM without threads, the
    # console), a message this soon after the ticket was last worked on (claimed, answered,
    # escalated, reopened) is taken as being about it.
    agent_reply_window_minutes: int = Field(default=30, ge=0)
    # A possible incident: this many similar tickets on one platform within incident_minutes
    # alert the tier's triage channel once; later reporters hear it is known. 0: off.
    incident_tickets: int = Field(default=0, ge=0)
    incident_minutes: int = Field(default=30, ge=1)
    # Point out, in a new ticket's card thread, the active tickets it looks like (/link them).
    duplicate_hints: bool = False
    human_phrases: list[str] = Field(
        default_factory=lambda: [
            "talk to a human",
            "talk to a person",
            "talk to someone",
            "talk to an agent",
            "speak to a human",
            "speak to someone",
            "speak to an agent",
            "get me a human",
            "connect me to support",
            "real person",
            "real human",
            "human please",
            "representative",
            "agent",
            "human",
            "falar com atendente",
            "falar com um atendente",
            "falar com uma pessoa",
            "falar com um humano",
            "falar com humano",
            "falar com alguem",
            "atendente",
        ]
    )

    greetings: list[str] = Field(
        default_factory=lambda: [
            "hi",
            "hello",
            "hey",
            "hi there",
            "hello there",
            "good morning",
            "good afternoon",
            "yo",
            "ola",
            "oi",
            "bom dia",
            "boa tarde",
            "boa noite",
        ]
    )
    thanks: list[str] = Field(
        default_factory=lambda: [
            "thanks",
            "thank you",
            "thx",
            "ty",
            "thanks a lot",
            "many thanks",
            "ok",
            "okay",
            "ok thanks",
            "great",
            "cool",
            "perfect",
            "obrigado",
            "obrigada",
            "valeu",
        ]
    )
    # Whole messages that ask for help without saying with what: asked for a sentence.
    vague_requests: list[str] = Field(
        default_factory=lambda: [
            "help",
            "help me",
            "help please",
            "i need help",
            "need help",
            "support",
            "problem",
            "issue",
            "question",
            "ajuda",
            "preciso de ajuda",
            "socorro",
        ]
    )
    # Words that say nothing about the problem beside a request for a person ("talk to a
    # human, please"): with the greetings and thanks, left out of the ticket's subject.
    courtesies: list[str] = Field(
        default_factory=lambda: ["please", "pls", "plz", "now", "asap", "por favor", "agora"]
    )

    @model_validator(mode="after")
    def _default_priority_known(self) -> Self:
        if self.default_priority not in self.priorities:
            known = ", ".join(self.priorities)
            raise ValueError(f"default_priority {self.default_priority!r} is not one of: {known}")
        return self


class Settings(_Section):
    database: DatabaseSettings = Field(default_factory=DatabaseSettings)
    kb: KBSettings = Field(default_factory=KBSettings)
    tickets: TicketSettings = Field(default_factory=TicketSettings)
    default_locale: str = "en"
    service: ServiceSettings = Field(default_factory=ServiceSettings)
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    sla: SLASettings = Field(default_factory=SLASettings)
    privacy: PrivacySettings = Field(default_factory=PrivacySettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)

    def audience_for(self, platform: str) -> Audience:
        """Which articles people on ``platform`` may see; unknown platforms see all."""
        section = getattr(self, platform, None)
        audience: Audience = getattr(section, "audience", "all")
        return audience

    @model_validator(mode="after")
    def _triage_channels_name_tiers(self) -> Self:
        tiers = {tier.name for tier in self.tickets.tiers}
        for platform in (self.slack, self.discord):
            unknown = sorted(set(platform.triage_channels) - tiers)
            if unknown:
                raise ValueError(
                    f"triage_channels name unknown tiers {unknown}; tiers are {sorted(tiers)}"
                )
        self.sla.check_priorities(self.tickets.priorities)
        return self
