"""What the Slack adapter takes from the settings: the secrets its mode needs, and the
context its rendering reads (triage channels by tier, user groups, live article fields)."""

from __future__ import annotations

from collections.abc import Mapping

from adapters.runtime import require_secret
from adapters.slack.blocks import Context
from adapters.slack.live_articles import ArticleField
from bot.settings import Settings
from kb.search import KnowledgeBase

__all__ = ["rendering_context", "slack_secrets"]


def rendering_context(settings: Settings, kb: KnowledgeBase) -> Context:
    """What rendering needs from the settings and the live knowledge base."""
    tickets = settings.tickets
    tier_numbers = {tier.name: n for n, tier in enumerate(tickets.tiers, start=1)}
    return Context(
        priorities=tuple(tickets.priorities),
        triage_channels={
            tier_numbers[name]: channel for name, channel in settings.slack.triage_channels.items()
        },
        top_tier=len(tickets.tiers),
        article_titles=ArticleField(kb, lambda article: article.title),
        article_bodies=ArticleField(kb, lambda article: article.body),
        tier_groups={
            n: tuple(r.removeprefix("slack:") for r in tier.roles if r.startswith("slack:"))
            for n, tier in enumerate(tickets.tiers, start=1)
        },
        locale=settings.default_locale,
    )


def slack_secrets(settings: Settings, env: Mapping[str, str]) -> dict[str, str]:
    """The secrets the configured mode needs; a clear error names any that is missing."""
    secrets = {
        "bot_token": require_secret(env, "SLACK_BOT_TOKEN", "for Slack (the bot's xoxb- token)")
    }
    if settings.slack.mode == "socket":
        secrets["app_token"] = require_secret(
            env, "SLACK_APP_TOKEN", "for Slack Socket Mode (an xapp- token with connections:write)"
        )
    else:
        secrets["signing_secret"] = require_secret(
            env, "SLACK_SIGNING_SECRET", "for Slack HTTP mode (to verify requests come from Slack)"
        )
    return secrets
