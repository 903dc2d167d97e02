"""Application commands, INTERACTION_CREATE payloads, callbacks and interaction webhooks."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from .rest import API_PREFIX, Api, ApiError, body_of, json_error, json_response, snowflake
from .world import Json, MemberSpec, World

__all__ = [
    "InteractionsApi",
    "OptionValue",
    "build_interaction",
    "command_data",
    "modal_submit_components",
]

APPLICATION_COMMAND, MESSAGE_COMPONENT, MODAL_SUBMIT = 2, 3, 5
PONG, CHANNEL_MESSAGE, DEFERRED_MESSAGE, DEFERRED_UPDATE, UPDATE_MESSAGE = 1, 4, 5, 6, 7
AUTOCOMPLETE_RESULT, MODAL = 8, 9
EPHEMERAL, LOADING = 1 << 6, 1 << 7
OptionValue = str | int | float | bool | MemberSpec
_MESSAGE_TYPE_FOR = {APPLICATION_COMMAND: 20, MESSAGE_COMPONENT: 0, MODAL_SUBMIT: 0}


def build_interaction(
    world: World,
    kind: int,
    *,
    user: MemberSpec,
    channel_id: int,
    data: Json,
    locale: str,
    message: Json | None = None,
) -> Json:
    """An INTERACTION_CREATE payload, remembered so callbacks can be checked against it."""
    channel = world.channel(channel_id)
    if channel is None:
        raise KeyError(f"unknown channel {channel_id}")
    in_guild = "guild_id" in channel
    payload: Json = {
        "id": str(world.ids.next()),
        "application_id": str(world.application_id),
        "type": kind,
        "data": data,
        "token": "aW50ZXJhY3Rpb24" + secrets.token_urlsafe(48),
        "version": 1,
        "channel_id": str(channel_id),
        "channel": world.public_channel(channel) if in_guild else channel,
        "app_permissions": str(world.permissions_of(world.bot)),
        "locale": locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "attachment_size_limit": 10 * 1024 * 1024,
    }
    if in_guild:
        guild = world.guilds[int(channel["guild_id"])]
        payload.update(
            guild_id=str(guild.id),
            guild={"id": str(guild.id), "locale": guild.locale, "features": []},
            guild_locale=guild.locale,
            member={**world.member_payload(user), "permissions": str(world.permissions_of(user))},
            context=0,
            authorizing_integration_owners={"0": str(guild.id)},
        )
    else:
        payload.update(
            user=world.user_payload(user),
            context=1,
            authorizing_integration_owners={"0": "0"},
        )
    if message is not None:
        payload["message"] = message
    world.interactions[payload["token"]] = {
        "payload": payload,
        "responded": False,
        "original": None,
        "followups": {},
        "received": time.monotonic(),
    }
    return payload


def command_data(
    world: World, name: str, options: Mapping[str, OptionValue] | Sequence[Json]
) -> Json:
    """``data`` for a slash command; option types come from the synced command if any."""
    command = world.find_command(name)
    data: Json = {
        "id": command["id"] if command else str(world.ids.next()),
        "name": name,
        "type": 1,
    }
    if command is not None and "guild_id" in command:
        # discord.py's CommandTree looks guild commands up by this key, not the interaction's.
        data["guild_id"] = command["guild_id"]
    if isinstance(options, Sequence):
        data["options"] = list(options)
        return data
    declared = {o["name"]: o.get("type") for o in (command or {}).get("options", [])}
    resolved: dict[str, dict[str, Json]] = {}
    rendered = []
    for key, value in options.items():
        kind = declared.get(key) or _infer_option_type(value)
        rendered.append(
            {"name": key, "type": kind, "value": _option_value(world, kind, value, resolved)}
        )
    if rendered:
        data["options"] = rendered
    if resolved:
        data["resolved"] = resolved
    return data


def _infer_option_type(value: OptionValue) -> int:
    if isinstance(value, MemberSpec):
        return 6
    if isinstance(value, bool):
        return 5
    if isinstance(value, int):
        return 4
    return 10 if isinstance(value, float) else 3


def _option_value(
    world: World, kind: int, value: OptionValue, resolved: dict[str, dict[str, Json]]
) -> Any:
    if kind == 6:  # USER: Discord sends the id and the user/member in ``resolved``
        if isinstance(value, float):
            raise TypeError(f"a user option needs a person, not {value!r}")
        member = world.resolve_member(value)
        resolved.setdefault("users", {})[str(member.id)] = world.user_payload(member)
        resolved.setdefault("members", {})[str(member.id)] = {
            **world.member_payload(member, with_user=False),
            "permissions": str(world.permissions_of(member)),
        }
        return str(member.id)
    if kind == 7:  # CHANNEL
        if isinstance(value, int):
            channel = world.channels[value]
        else:
            channel = world.channel_named(str(value))
        resolved.setdefault("channels", {})[channel["id"]] = {
            k: channel[k] for k in ("id", "name", "type", "parent_id") if k in channel
        } | {"permissions": str(world.permissions_of(world.bot))}
        return channel["id"]
    if kind == 8:  # ROLE
        role = world.role_named(str(value))
        resolved.setdefault("roles", {})[str(role.id)] = world.role_payload(role, 1)
        return str(role.id)
    return value


def modal_submit_components(
    world: World, custom_id: str, fields: Mapping[str, str | Sequence[str]]
) -> list[Json]:
    """A submission shaped like the modal the bot opened (action rows or labels).

    Text inputs take a string, selects a list of values. Without a matching open modal,
    each field becomes its own action row with a text input.
    """
    layout = world.modals.get(custom_id)
    if layout is None:
        return [
            {"type": 1, "components": [_submitted({"type": 4, "custom_id": k}, v)]}
            for k, v in fields.items()
        ]
    unused = set(fields)
    submitted: list[Json] = []
    for index, top in enumerate(layout, start=1):
        if top["type"] == 1:
            inner = [_take(c, fields, unused) for c in top["components"]]
            submitted.append({"type": 1, "id": index, "components": inner})
        elif top["type"] == 18:
            inner_one = _take(top["component"], fields, unused)
            submitted.append({"type": 18, "id": index, "component": inner_one})
    if unused:
        raise KeyError(f"modal {custom_id!r} has no inputs named {sorted(unused)}")
    return submitted


def _take(component: Json, fields: Mapping[str, str | Sequence[str]], unused: set[str]) -> Json:
    key = str(component.get("custom_id"))
    unused.discard(key)
    default: str | Sequence[str] = "" if component["type"] == 4 else []
    return _submitted(component, fields.get(key, default))


def _submitted(component: Json, value: str | Sequence[str]) -> Json:
    out: Json = {"type": component["type"], "custom_id": component["custom_id"]}
    if component["type"] == 4:
        out["value"] = value if isinstance(value, str) else ",".join(value)
    else:
        out["values"] = [value] if isinstance(value, str) else list(value)
    return out


class InteractionsApi(Api):
    def routes(self) -> list[web.RouteDef]:
        app = API_PREFIX + "/applications/{application_id}"
        hook = API_PREFIX + "/webhooks/{application_id}/{token}"
        return [
            web.put(app + "/commands", self.overwrite_commands),
            web.get(app + "/commands", self.list_commands),
            web.put(app + "/guilds/{guild_id}/commands", self.overwrite_commands),
            web.get(app + "/guilds/{guild_id}/commands", self.list_commands),
            web.post(API_PREFIX + "/interactions/{interaction_id}/{token}/callback", self.callback),
            web.post(hook, self.create_followup),
            web.get(hook + "/messages/{message_id}", self.get_webhook_message),
            web.patch(hook + "/messages/{message_id}", self.edit_webhook_message),
            web.delete(hook + "/messages/{message_id}", self.delete_webhook_message),
        ]

    # -- application commands ----------------------------------------------------------

    def _scope(self, request: web.Request) -> int | None:
        if snowflake(request, "application_id") != self.world.application_id:
            raise ApiError("Unknown Application", 10002)
        if "guild_id" not in request.match_info:
            return None
        guild_id = snowflake(request, "guild_id")
        if guild_id not in self.world.guilds:
            raise ApiError("Missing Access", 50001, status=403)
        return guild_id

    async def overwrite_commands(self, request: web.Request) -> web.Response:
        body = body_of(request)
        if not isinstance(body, list):
            return json_error(400, "Invalid Form Body", 50035)
        with self.world.lock:
            return json_response(self.world.store_commands(self._scope(request), body))

    async def list_commands(self, request: web.Request) -> web.Response:
        with self.world.lock:
            return json_response(self.world.commands.get(self._scope(request), []))

    # -- callbacks -------------------------------------------------------------------------

    def _state(self, request: web.Request) -> Json:
        """The interaction named by the path's token, checked against the path's id."""
        by_webhook = "application_id" in request.match_info
        unknown = (
            ApiError("Unknown Webhook", 10015)
            if by_webhook
            else ApiError("Unknown interaction", 10062)
        )
        state = self.world.interactions.get(request.match_info["token"])
        if state is None:
            raise unknown
        if by_webhook:
            if snowflake(request, "application_id") != self.world.application_id:
                raise unknown
        elif request.match_info["interaction_id"] != state["payload"]["id"]:
            raise unknown
        return state

    async def callback(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        reply_type, data = body.get("type"), body.get("data") or {}
        with self.world.lock:
            state = self._state(request)
            interaction = state["payload"]
            if state["responded"]:
                return json_error(400, "Interaction has already been acknowledged.", 40060)
            waited = time.monotonic() - state["received"]
            if self.world.ack_seconds is not None and waited > self.world.ack_seconds:
                raise ApiError("Unknown interaction", 10062)
            allowed = {CHANNEL_MESSAGE, DEFERRED_MESSAGE}
            if interaction["type"] in (MESSAGE_COMPONENT, MODAL_SUBMIT):
                allowed |= {DEFERRED_UPDATE, UPDATE_MESSAGE}
            if interaction["type"] != MODAL_SUBMIT:
                allowed.add(MODAL)
            if reply_type not in allowed:
                return json_error(400, "Interaction response type is invalid", 50035)
            state["responded"] = True
            message = self._apply_callback(state, reply_type, data)
        flags = int((message or {}).get("flags") or 0)
        visible = message is not None and not flags & EPHEMERAL
        if visible and reply_type == CHANNEL_MESSAGE and self.echo_bot_messages:
            await self.gateway.dispatch("MESSAGE_CREATE", message)
        if reply_type == UPDATE_MESSAGE and message is not None:
            await self.gateway.dispatch("MESSAGE_UPDATE", message)
        if request.query.get("with_response") not in ("1", "true", "True"):
            return web.Response(status=204)
        summary: Json = {
            "id": interaction["id"],
            "type": interaction["type"],
            "response_message_loading": reply_type == DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(flags & EPHEMERAL),
        }
        resource: Json = {"type": reply_type}
        if message is not None:
            summary["response_message_id"] = message["id"]
            resource["message"] = message
        return json_response({"interaction": summary, "resource": resource})

    def _apply_callback(self, state: Json, reply_type: int, data: Json) -> Json | None:
        interaction = state["payload"]
        if reply_type in (CHANNEL_MESSAGE, DEFERRED_MESSAGE):
            flags = int(data.get("flags") or 0) | (LOADING if reply_type == DEFERRED_MESSAGE else 0)
            message = self._interaction_message(interaction, {**data, "flags": flags})
            state["original"] = message
            return message
        if reply_type == MODAL:
            self.world.modals[str(data.get("custom_id"))] = list(data.get("components") or [])
            return None
        if reply_type == UPDATE_MESSAGE and "message" in interaction:
            original: Json = self.world.messages.get(
                int(interaction["message"]["id"]), interaction["message"]
            )
            _apply_edit(original, data)
            return original
        return None

    def _interaction_message(self, interaction: Json, body: Json) -> Json:
        message = self.world.message_payload(
            int(interaction["channel_id"]),
            self.world.bot,
            body,
            webhook_id=self.world.application_id,
        )
        user = interaction.get("member", {}).get("user") or interaction.get("user")
        message["type"] = _MESSAGE_TYPE_FOR.get(interaction["type"], 0)
        message["application_id"] = str(self.world.application_id)
        message["interaction_metadata"] = {
            "id": interaction["id"],
            "type": interaction["type"],
            "user": user,
            "authorizing_integration_owners": interaction["authorizing_integration_owners"],
        }
        if not int(message["flags"]) & EPHEMERAL:
            self.world.messages[int(message["id"])] = message
        return message

    # -- interaction webhooks (original response and follow-ups) -----------------------------

    def _webhook_message(self, state: Json, message_id: str) -> Json:
        message = (
            state["original"] if message_id == "@original" else state["followups"].get(message_id)
        )
        if message is None:
            raise ApiError("Unknown Message", 10008)
        return message  # type: ignore[no-any-return]

    async def create_followup(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        with self.world.lock:
            state = self._state(request)
            if not state["responded"]:
                return json_error(404, "Unknown Webhook", 10015)
            message = self._interaction_message(state["payload"], body)
            state["followups"][message["id"]] = message
        if self.echo_bot_messages and not int(message["flags"]) & EPHEMERAL:
            await self.gateway.dispatch("MESSAGE_CREATE", message)
        if request.query.get("wait") in ("1", "true", "True"):
            return json_response(message)
        return web.Response(status=204)

    async def get_webhook_message(self, request: web.Request) -> web.Response:
        with self.world.lock:
            state = self._state(request)
            return json_response(self._webhook_message(state, request.match_info["message_id"]))

    async def edit_webhook_message(self, request: web.Request) -> web.Response:
        body: Json = body_of(request) or {}
        with self.world.lock:
            state = self._state(request)
            message = self._webhook_message(state, request.match_info["message_id"])
            _apply_edit(message, body)
            message["flags"] = int(message.get("flags") or 0) & ~LOADING
        await self.gateway.dispatch("MESSAGE_UPDATE", message)
        return json_response(message)

    async def delete_webhook_message(self, request: web.Request) -> web.Response:
        message_id = request.match_info["message_id"]
        with self.world.lock:
            state = self._state(request)
            message = self._webhook_message(state, message_id)
            if message_id == "@original":
                state["original"] = None
            else:
                del state["followups"][message_id]
            self.world.messages.pop(int(message["id"]), None)
        return web.Response(status=204)


def _apply_edit(message: Json, body: Json) -> None:
    for key in ("content", "embeds", "components", "attachments"):
        if key in body and body[key] is not None:
            message[key] = body[key]
    if "flags" in body and body["flags"] is not None:
        message["flags"] = int(body["flags"])
