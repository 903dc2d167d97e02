"""Posting a stored reply once, even when an earlier try may have reached Slack.

The Web API has no idempotency key: a worker killed after ``chat.postMessage`` returned but
before the outbox marked the reply sent, or a post whose answer was lost (a time-out, a
5xx after Slack took it), leaves a reply that the next try would post a second time. So
every post carries message metadata naming its delivery (and which of the delivery's posts
it is), and a delivery that may have been sent before first looks for that tag among the
channel's or thread's latest messages. Edits (``chat.update``) and reactions are
idempotent already; ephemeral messages cannot be looked up and may repeat.

For the same reason the Web API client retries a server error or a dropped connection in
place only for calls that cannot post twice (look-ups, edits); a post is left to the
outbox, whose next try looks first.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Final

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import ApiCall

__all__ = ["LOOK_BACK", "posted_before", "retry_handlers", "tag_of", "tagged"]

log = logging.getLogger("adapters.slack")

EVENT_TYPE: Final = "tier0_delivery"
LOOK_BACK: Final = 100
"""Latest messages searched for an earlier copy: a retry follows its first try within
seconds to minutes, so the copy, if any, is among them in all but the busiest channels
and longest threads (a thread is read from its start)."""


POSTS: Final = frozenset({"chat.postMessage", "chat.postEphemeral"})
"""Web API methods that show a new message each time they succeed."""


class _NotForPosts(AsyncRetryHandler):
    async def _can_retry_async(self, *, request: HttpRequest, **rest: Any) -> bool:
        if request.url.rsplit("/", 1)[-1] in POSTS:
            return False
        return bool(await super()._can_retry_async(request=request, **rest))


class _ServerErrorsNotForPosts(_NotForPosts, AsyncServerErrorRetryHandler):
    pass


class _ConnectionErrorsNotForPosts(_NotForPosts, AsyncConnectionErrorRetryHandler):
    pass


def retry_handlers() -> list[AsyncRetryHandler]:
    """A 429 (refused, nothing done) is retried for every call after ``Retry-After``;
    server errors and dropped connections only for calls that cannot post twice."""
    return [
        AsyncRateLimitErrorRetryHandler(max_retry_count=3),
        _ServerErrorsNotForPosts(max_retry_count=2),
        _ConnectionErrorsNotForPosts(max_retry_count=2),
    ]


def tag_of(delivery_id: int, post: int) -> str:
    return f"{delivery_id}.{post}"


def tagged(call: ApiCall, tag: str) -> ApiCall:
    """``call`` (a ``chat.postMessage``) carrying ``tag`` in its message metadata."""
    metadata = {"event_type": EVENT_TYPE, "event_payload": {"delivery": tag}}
    return replace(call, args={**call.args, "metadata": metadata})


async def posted_before(client: AsyncWebClient, call: ApiCall) -> tuple[str, str] | None:
    """The channel and ts of an earlier copy of tagged post ``call``, or None.

    A failed look-up counts as not found: a possible duplicate beats a lost reply."""
    channel = str(call.args["channel"])
    thread = call.args.get("thread_ts")
    tag = call.args["metadata"]["event_payload"]["delivery"]
    try:
        if thread:
            found = await client.conversations_replies(
                channel=channel, ts=str(thread), limit=LOOK_BACK, include_all_metadata=True
            )
        else:
            found = await client.conversations_history(
                channel=channel, limit=LOOK_BACK, include_all_metadata=True
            )
    except SlackApiError as error:
        log.warning("slack: could not look for an earlier copy of delivery %s: %s", tag, error)
        return None
    for message in found.get("messages") or []:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") == EVENT_TYPE and (
            (metadata.get("event_payload") or {}).get("delivery") == tag
        ):
            return channel, str(message["ts"])
    return None
