"""The REST side: request recording, auth, rate-limit headers and scripted failures.

A middleware does the cross-cutting work so the route handlers (here, in ``channels.py``
and ``interactions.py``) only read and change the :class:`World`.
"""

from __future__ import annotations

import asyncio
import email.policy
import hashlib
import json
import math
import re
import time
from collections.abc import Awaitable, Callable
from email.parser import BytesParser
from typing import Any

from aiohttp import web

from .gateway import Gateway
from .log import EventLog, FailureRule, RecordedFile, RecordedRequest, SlowRule
from .world import Snowflakes, World

__all__ = [
    "API_PREFIX",
    "Api",
    "ApiError",
    "RestApi",
    "body_of",
    "invalid_form",
    "json_error",
    "json_response",
    "snowflake",
    "uploaded_attachments",
]

API_PREFIX = "/api/v10"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# Interaction callbacks and interaction webhooks authenticate by their token in the path.
_BODY: web.RequestKey[Any] = web.RequestKey("body", object)
_FILES: web.RequestKey[list[RecordedFile]] = web.RequestKey("files", list)
_TOKEN_AUTHENTICATED = re.compile(r"/interactions/\d+/[^/]+/callback|/webhooks/\d+/[^/]+(/.*)?")


class ApiError(Exception):
    """Raised by a handler to answer with Discord's JSON error body."""

    def __init__(self, message: str, code: int, *, status: int = 404) -> None:
        super().__init__(message)
        self.response = json_error(status, message, code)


def json_response(
    data: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON exactly as Discord labels it: discord.py only parses ``application/json``
    without a charset parameter and treats anything else as text."""
    body = json.dumps(data, separators=(",", ":")).encode()
    return web.Response(body=body, status=status, headers=headers, content_type="application/json")


def json_error(status: int, message: str, code: int = 0) -> web.Response:
    return json_response({"message": message, "code": code}, status=status)


def invalid_form(field: str, message: str) -> web.Response:
    errors = {field: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": message}]}}
    body = {"message": "Invalid Form Body", "code": 50035, "errors": errors}
    return json_response(body, status=400)


def body_of(request: web.Request) -> Any:
    return request.get(_BODY)


def uploaded_attachments(
    request: web.Request, channel_id: int, ids: Snowflakes
) -> list[dict[str, Any]]:
    """The ``attachments`` of a multipart create/edit, as Discord returns them once stored."""
    body = body_of(request) or {}
    files: list[RecordedFile] = request.get(_FILES, [])
    stored = []
    for index, upload in enumerate(files):
        declared: dict[str, Any] = next(
            (a for a in body.get("attachments", []) if str(a.get("id")) == str(index)), {}
        )
        attachment_id = ids.next()
        filename = upload.filename or f"file{index}"
        url = f"{request.url.origin()}/attachments/{channel_id}/{attachment_id}/{filename}"
        stored.append(
            {
                "id": str(attachment_id),
                "filename": filename,
                "description": declared.get("description"),
                "content_type": upload.content_type,
                "size": len(upload.data),
                "url": url,
                "proxy_url": url,
            }
        )
    return stored


def snowflake(request: web.Request, name: str) -> int:
    value = request.match_info[name]
    if not value.isdigit():
        raise web.HTTPNotFound()
    return int(value)


class Api:
    """Base for route groups: access to the world and to the gateway for side effects."""

    def __init__(self, world: World, gateway: Gateway, *, echo_bot_messages: bool) -> None:
        self.world = world
        self.gateway = gateway
        self.echo_bot_messages = echo_bot_messages

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError


class RestApi(Api):
    """Identity, gateway discovery, DMs and guild look-ups; plus the middleware."""

    def __init__(
        self,
        world: World,
        gateway: Gateway,
        *,
        token: str,
        echo_bot_messages: bool,
        gateway_url: Callable[[], str],
        rate_limit: int = 50,
        rate_limit_window: float = 1.0,
        recommended_shards: int = 1,
    ) -> None:
        super().__init__(world, gateway, echo_bot_messages=echo_bot_messages)
        self.token = token
        self.gateway_url = gateway_url
        self.recommended_shards = recommended_shards
        self.requests: EventLog[RecordedRequest] = EventLog()
        self.failures: list[FailureRule] = []
        self.slow: list[SlowRule] = []
        self.rate_limit = rate_limit
        self.rate_limit_window = rate_limit_window
        self._windows: dict[str, tuple[float, int]] = {}

    def routes(self) -> list[web.RouteDef]:
        p = API_PREFIX
        return [
            web.get(p + "/gateway", self.get_gateway),
            web.get(p + "/gateway/bot", self.get_gateway_bot),
            web.get(p + "/users/@me", self.get_me),
            web.get(p + "/users/{user_id}", self.get_user),
            web.post(p + "/users/@me/channels", self.open_dm),
            web.get(p + "/oauth2/applications/@me", self.get_application),
            web.get(p + "/applications/@me", self.get_application),
            web.get(p + "/guilds/{guild_id}", self.get_guild),
            web.get(p + "/guilds/{guild_id}/channels", self.get_guild_channels),
            web.get(p + "/guilds/{guild_id}/roles", self.get_roles),
            web.get(p + "/guilds/{guild_id}/members", self.list_members),
            web.get(p + "/guilds/{guild_id}/members/{user_id}", self.get_member),
        ]

    # -- middleware --------------------------------------------------------------------

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith(API_PREFIX + "/"):
            return await handler(request)
        path = request.path[len(API_PREFIX) :]
        raw = await request.read()
        body, files = _parse_body(request.headers.get("Content-Type", ""), raw)
        request[_BODY] = body
        request[_FILES] = files
        slow = next((r for r in self.slow if r.claims(request.method, path)), None)
        if slow is not None:
            await asyncio.sleep(slow.seconds)
        authorised = request.headers.get("Authorization") == f"Bot {self.token}"
        response: web.StreamResponse
        rule = next((r for r in self.failures if r.claims(request.method, path)), None)
        if not authorised and not _TOKEN_AUTHENTICATED.fullmatch(path):
            response = json_error(401, "401: Unauthorized")
        elif rule is not None and not rule.after_handling:
            response = self._failure(rule, request, path)
        else:
            try:
                response = await handler(request)
            except ApiError as error:
                response = error.response
            except web.HTTPException as exc:
                response = json_error(exc.status, f"{exc.status}: {exc.reason}")
            if rule is not None:
                response = self._failure(rule, request, path)
            elif response.status != 429:
                self._add_rate_limit_headers(request, path, response)
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=path,
                query=dict(request.query),
                headers=dict(request.headers),
                json=body,
                files=tuple(files),
                status=response.status,
                response=_response_json(response),
            )
        )
        return response

    def _bucket(self, request: web.Request, path: str) -> tuple[str, str]:
        resource = request.match_info.route.resource
        template = resource.canonical if resource is not None else path
        major = "+".join(
            request.match_info.get(k, "") for k in ("channel_id", "guild_id", "application_id")
        )
        digest = hashlib.sha1(f"{request.method} {template}".encode()).hexdigest()[:16]
        return digest, f"{digest}:{major}"

    def _add_rate_limit_headers(
        self, request: web.Request, path: str, response: web.StreamResponse
    ) -> None:
        bucket, key = self._bucket(request, path)
        now = time.monotonic()
        started, used = self._windows.get(key, (now, 0))
        if now - started >= self.rate_limit_window:
            started, used = now, 0
        used += 1
        self._windows[key] = (started, used)
        reset_after = max(0.0, self.rate_limit_window - (now - started))
        response.headers.update(
            {
                "X-RateLimit-Bucket": bucket,
                "X-RateLimit-Limit": str(self.rate_limit),
                "X-RateLimit-Remaining": str(max(0, self.rate_limit - used)),
                "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
                "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            }
        )

    def _failure(self, rule: FailureRule, request: web.Request, path: str) -> web.Response:
        if rule.status != 429:
            return json_error(rule.status, f"{rule.status}: scripted failure")
        bucket, _ = self._bucket(request, path)
        headers = {
            # discord.py treats a 429 without ``Via`` as a Cloudflare ban and gives up.
            "Via": "1.1 google",
            "Retry-After": str(math.ceil(rule.retry_after)),
            "X-RateLimit-Scope": "global" if rule.is_global else "user",
        }
        if rule.is_global:
            headers["X-RateLimit-Global"] = "true"
        else:
            headers.update(
                {
                    "X-RateLimit-Bucket": bucket,
                    "X-RateLimit-Limit": str(self.rate_limit),
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": f"{time.time() + rule.retry_after:.3f}",
                    "X-RateLimit-Reset-After": f"{rule.retry_after:.3f}",
                }
            )
        body = {
            "message": "You are being rate limited.",
            "retry_after": rule.retry_after,
            "global": rule.is_global,
        }
        return json_response(body, status=429, headers=headers)

    # -- routes --------------------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url()})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        limit = {
            "total": 1000,
            "remaining": 999,
            "reset_after": 86_400_000,
            "max_concurrency": self.gateway.max_concurrency,
        }
        body = {
            "url": self.gateway_url(),
            "shards": self.recommended_shards,
            "session_start_limit": limit,
        }
        return json_response(body)

    async def get_me(self, request: web.Request) -> web.Response:
        with self.world.lock:
            user = self.world.user_payload(self.world.bot)
        return json_response({**user, "verified": True, "mfa_enabled": False, "locale": "en-US"})

    async def get_user(self, request: web.Request) -> web.Response:
        with self.world.lock:
            member = self.world.members.get(snowflake(request, "user_id"))
            if member is None:
                raise ApiError("Unknown User", 10013)
            return json_response(self.world.user_payload(member))

    async def get_application(self, request: web.Request) -> web.Response:
        with self.world.lock:
            return json_response(self.world.application_payload())

    async def open_dm(self, request: web.Request) -> web.Response:
        recipient = int(body_of(request).get("recipient_id", 0))
        with self.world.lock:
            member = self.world.members.get(recipient)
            if member is None:
                return json_error(400, "Invalid Recipient(s)", 50033)
            return json_response(self.world.dm_channel_with(member))

    def _guild_or_404(self, request: web.Request) -> int:
        guild_id = snowflake(request, "guild_id")
        if guild_id not in self.world.guilds:
            raise web.HTTPNotFound()
        return guild_id

    async def get_guild(self, request: web.Request) -> web.Response:
        guild_id = self._guild_or_404(request)
        with self.world.lock:
            guild = self.world.guild_create(guild_id)
        for key in ("members", "channels", "threads", "voice_states", "presences", "joined_at"):
            guild.pop(key)
        return json_response(guild)

    async def get_guild_channels(self, request: web.Request) -> web.Response:
        guild_id = self._guild_or_404(request)
        with self.world.lock:
            return json_response(self.world.guild_create(guild_id)["channels"])

    async def get_roles(self, request: web.Request) -> web.Response:
        guild_id = self._guild_or_404(request)
        with self.world.lock:
            return json_response(self.world.guild_create(guild_id)["roles"])

    async def list_members(self, request: web.Request) -> web.Response:
        self._guild_or_404(request)
        limit = int(request.query.get("limit", "1"))
        after = int(request.query.get("after", "0"))
        with self.world.lock:
            members = sorted(self.world.members.values(), key=lambda m: m.id)
            page = [self.world.member_payload(m) for m in members if m.id > after][:limit]
        return json_response(page)

    async def get_member(self, request: web.Request) -> web.Response:
        self._guild_or_404(request)
        with self.world.lock:
            member = self.world.members.get(snowflake(request, "user_id"))
            if member is None:
                return json_error(404, "Unknown Member", 10007)
            return json_response(self.world.member_payload(member))


def _parse_body(content_type: str, raw: bytes) -> tuple[Any, list[RecordedFile]]:
    if not raw:
        return None, []
    if content_type.startswith("application/json"):
        return json.loads(raw), []
    if not content_type.startswith("multipart/form-data"):
        return raw.decode(errors="replace"), []
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + raw)
    body: Any = None
    files: list[RecordedFile] = []
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        if name == "payload_json":
            body = json.loads(data)
        else:
            files.append(RecordedFile(name, part.get_filename(), part.get_content_type(), data))
    return body, files


def _response_json(response: web.StreamResponse) -> Any:
    if isinstance(response, web.Response) and response.content_type == "application/json":
        assert isinstance(response.body, bytes)
        return json.loads(response.body)
    return None
