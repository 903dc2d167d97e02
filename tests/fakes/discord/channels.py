"""Channel, message and thread routes, with the gateway events Discord sends after them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .rest import (
    API_PREFIX,
    Api,
    ApiError,
    body_of,
    invalid_form,
    json_error,
    json_response,
    snowflake,
    uploaded_attachments,
)
from .world import PRIVATE_THREAD, PUBLIC_THREAD, TEXT, THREAD_TYPES, Json, iso

__all__ = ["ChannelsApi"]


class ChannelsApi(Api):
    def routes(self) -> list[web.RouteDef]:
        c = API_PREFIX + "/channels/{channel_id}"
        m = c + "/messages/{message_id}"
        return [
            web.get(c, self.get_channel),
            web.patch(c, self.edit_channel),
            web.delete(c, self.delete_channel),
            web.post(c + "/typing", self.typing),
            web.get(c + "/messages", self.list_messages),
            web.post(c + "/messages", self.create_message),
            web.get(m, self.get_message),
            web.patch(m, self.edit_message),
            web.delete(m, self.delete_message),
            web.put(m + "/reactions/{emoji}/@me", self.add_reaction),
            web.post(c + "/threads", self.start_thread),
            web.post(m + "/threads", self.start_thread_from_message),
            web.get(c + "/thread-members", self.list_thread_members),
            web.put(c + "/thread-members/{user_id}", self.add_thread_member),
            web.delete(c + "/thread-members/{user_id}", self.remove_thread_member),
        ]

    def _channel(self, request: web.Request) -> Json:
        channel = self.world.channel(snowflake(request, "channel_id"))
        if channel is None:
            raise ApiError("Unknown Channel", 10003)
        return channel

    def _message(self, request: web.Request) -> Json:
        channel = self._channel(request)
        message = self.world.messages.get(snowflake(request, "message_id"))
        if message is None or message["channel_id"] != channel["id"]:
            raise ApiError("Unknown Message", 10008)
        return message

    async def get_channel(self, request: web.Request) -> web.Response:
        with self.world.lock:
            return json_response(self._public(self._channel(request)))

    def _public(self, channel: Json) -> Json:
        return self.world.public_channel(channel) if "guild_id" in channel else channel

    async def edit_channel(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        with self.world.lock:
            channel = self._channel(request)
            is_thread = channel["type"] in THREAD_TYPES
            for key in ("name", "topic", "rate_limit_per_user"):
                if key in body:
                    channel[key] = body[key]
            if is_thread:
                meta = channel["thread_metadata"]
                for key in ("archived", "locked", "invitable", "auto_archive_duration"):
                    if key in body:
                        meta[key] = body[key]
                if "archived" in body:
                    meta["archive_timestamp"] = iso()
            payload = self._public(channel)
        await self.gateway.dispatch("THREAD_UPDATE" if is_thread else "CHANNEL_UPDATE", payload)
        return json_response(payload)

    async def delete_channel(self, request: web.Request) -> web.Response:
        with self.world.lock:
            channel = self._channel(request)
            payload = self._public(channel)
            self.world.channels.pop(int(channel["id"]), None)
        is_thread = channel["type"] in THREAD_TYPES
        await self.gateway.dispatch("THREAD_DELETE" if is_thread else "CHANNEL_DELETE", payload)
        return json_response(payload)

    async def typing(self, request: web.Request) -> web.Response:
        with self.world.lock:
            self._channel(request)
        return web.Response(status=204)

    async def create_message(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        with self.world.lock:
            channel = self._channel(request)
            keys = ("content", "embeds", "components", "sticker_ids", "attachments", "poll")
            if not any(body.get(k) for k in keys):
                return json_error(400, "Cannot send an empty message", 50006)
            if len(str(body.get("content") or "")) > 2000:
                return invalid_form("content", "Must be 2000 or fewer in length.")
            channel_id = int(channel["id"])
            repeated = self.world.message_with_nonce(channel_id, body)
            if repeated is not None:
                return json_response(repeated)  # enforce_nonce: the first message, no new one
            files = uploaded_attachments(request, channel_id, self.world.ids)
            if files:
                body = {**body, "attachments": files}
            message = self.world.message_payload(channel_id, self.world.bot, body)
            self.world.messages[int(message["id"])] = message
            self.world.remember_nonce(channel_id, body, message)
            channel["last_message_id"] = message["id"]
            if channel["type"] in THREAD_TYPES:
                channel["message_count"] += 1
                channel["thread_metadata"]["archived"] = False
        if self.echo_bot_messages:
            await self.gateway.dispatch("MESSAGE_CREATE", message)
        return json_response(message)

    async def list_messages(self, request: web.Request) -> web.Response:
        """A channel's history, newest first, as Discord pages it: ``limit`` (1-100, 50 by
        default) messages ``before`` an id, the oldest ``limit`` ones ``after`` an id, or the
        newest. Messages carry no ``member`` here (only gateway events do), so a bot reading
        history must look the authors' roles up itself. (``around`` is not modelled.)"""
        query = request.query
        try:
            limit = int(query.get("limit", "50"))
            after = int(query.get("after", "0"))
            before = int(query.get("before", str(1 << 64)))
        except ValueError:
            return invalid_form("limit", "Value is not snowflake or int.")
        if not 1 <= limit <= 100:
            return invalid_form("limit", "int value should be less than or equal to 100.")
        with self.world.lock:
            channel = self._channel(request)
            ids = sorted(
                int(m["id"])
                for m in self.world.messages.values()
                if m["channel_id"] == channel["id"] and after < int(m["id"]) < before
            )
            ids = ids[:limit] if "after" in query else ids[-limit:]
            page = [
                {k: v for k, v in self.world.messages[i].items() if k != "member"}
                for i in reversed(ids)
            ]
        return json_response(page)

    async def get_message(self, request: web.Request) -> web.Response:
        with self.world.lock:
            return json_response(self._message(request))

    async def edit_message(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        with self.world.lock:
            message = self._message(request)
            if message["author"]["id"] != str(self.world.bot.id):
                return json_error(403, "Cannot edit a message authored by another user", 50005)
            for key in ("content", "embeds", "components", "flags", "attachments"):
                if key in body and body[key] is not None:
                    message[key] = body[key]
            message["edited_timestamp"] = iso()
        await self.gateway.dispatch("MESSAGE_UPDATE", message)
        return json_response(message)

    async def delete_message(self, request: web.Request) -> web.Response:
        with self.world.lock:
            message = self._message(request)
            del self.world.messages[int(message["id"])]
        event = {k: message[k] for k in ("id", "channel_id", "guild_id") if k in message}
        await self.gateway.dispatch("MESSAGE_DELETE", event)
        return web.Response(status=204)

    async def add_reaction(self, request: web.Request) -> web.Response:
        with self.world.lock:
            self._message(request)
        return web.Response(status=204)

    async def start_thread(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        kind = int(body.get("type") or PRIVATE_THREAD)
        return await self._create_thread(request, body, kind, thread_id=None)

    async def start_thread_from_message(self, request: web.Request) -> web.Response:
        with self.world.lock:
            message = self._message(request)
            if "thread" in message:
                return json_error(400, "A thread has already been created for this message", 160004)
        body: Json = body_of(request) or {}
        return await self._create_thread(request, body, PUBLIC_THREAD, thread_id=int(message["id"]))

    async def _create_thread(
        self, request: web.Request, body: Json, kind: int, *, thread_id: int | None
    ) -> web.Response:
        if kind not in (PUBLIC_THREAD, PRIVATE_THREAD):
            return invalid_form("type", "Value must be one of {11, 12}.")
        if not body.get("name"):
            return invalid_form("name", "This field is required")
        with self.world.lock:
            parent = self._channel(request)
            if parent["type"] != TEXT:
                return json_error(400, "Cannot execute action on this channel type", 50024)
            thread = self.world.add_thread(
                int(parent["id"]), str(body["name"]), kind, self.world.bot.id, thread_id=thread_id
            )
            meta = thread["thread_metadata"]
            meta["auto_archive_duration"] = int(body.get("auto_archive_duration") or 1440)
            if kind == PRIVATE_THREAD:
                meta["invitable"] = bool(body.get("invitable", True))
            thread["rate_limit_per_user"] = int(body.get("rate_limit_per_user") or 0)
            if thread_id is not None:
                self.world.messages[thread_id]["thread"] = self.world.public_channel(thread)
            payload = self.world.public_channel(thread)
        await self.gateway.dispatch("THREAD_CREATE", {**payload, "newly_created": True})
        return json_response(payload, status=201)

    def _thread(self, request: web.Request) -> Json:
        channel = self._channel(request)
        if channel["type"] not in THREAD_TYPES:
            raise ApiError("Cannot execute action on this channel type", 50024, status=400)
        return channel

    def _thread_member_id(self, request: web.Request) -> int:
        raw = request.match_info["user_id"]
        user_id = self.world.bot.id if raw == "@me" else snowflake(request, "user_id")
        if user_id not in self.world.members:
            raise ApiError("Unknown Member", 10007)
        return user_id

    async def list_thread_members(self, request: web.Request) -> web.Response:
        with self.world.lock:
            thread = self._thread(request)
            ids = sorted(self.world.thread_members[int(thread["id"])])
        return json_response([self._thread_member(thread, uid) for uid in ids])

    def _thread_member(self, thread: Json, user_id: int) -> Json:
        return {"id": thread["id"], "user_id": str(user_id), "join_timestamp": iso(), "flags": 0}

    async def add_thread_member(self, request: web.Request) -> web.Response:
        with self.world.lock:
            thread = self._thread(request)
            user_id = self._thread_member_id(request)
            if thread["thread_metadata"]["archived"]:
                return json_error(400, "Thread is archived", 50083)
            members = self.world.thread_members[int(thread["id"])]
            is_new = user_id not in members
            members.add(user_id)
            added = {
                **self._thread_member(thread, user_id),
                "member": self.world.member_payload(self.world.members[user_id]),
                "presence": None,
            }
            event = {
                "id": thread["id"],
                "guild_id": thread["guild_id"],
                "member_count": len(members),
                "added_members": [added],
            }
        if is_new:
            await self.gateway.dispatch("THREAD_MEMBERS_UPDATE", event)
        return web.Response(status=204)

    async def remove_thread_member(self, request: web.Request) -> web.Response:
        with self.world.lock:
            thread = self._thread(request)
            user_id = self._thread_member_id(request)
            members = self.world.thread_members[int(thread["id"])]
            was_member = user_id in members
            members.discard(user_id)
            event: dict[str, Any] = {
                "id": thread["id"],
                "guild_id": thread["guild_id"],
                "member_count": len(members),
                "removed_member_ids": [str(user_id)],
            }
        if was_member:
            await self.gateway.dispatch("THREAD_MEMBERS_UPDATE", event)
        return web.Response(status=204)
