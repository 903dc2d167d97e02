"""Web API methods of the fake: request params in, Slack-shaped response body out.

Each handler is a plain function of the world and the merged request params, so the wire details
(form vs JSON bodies, tokens, scripted failures) stay in the server module.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .workspace import SlackApiFailure, World

__all__ = ["APP_TOKEN_METHODS", "METHODS", "Handler"]

JSON = dict[str, Any]
Handler = Callable[[World, JSON], JSON]

_JSON_ENCODED = ("blocks", "attachments", "view", "metadata")


def _decode(params: JSON) -> JSON:
    """Form-encoded requests carry structured fields as JSON strings; Slack decodes them."""
    decoded = dict(params)
    for key in _JSON_ENCODED:
        value = decoded.get(key)
        if isinstance(value, str) and value[:1] in ("[", "{"):
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError as err:
                raise SlackApiFailure(f"invalid_{key}") from err
    return decoded


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true")


def _require(params: JSON, *names: str) -> None:
    for name in names:
        if params.get(name) in (None, ""):
            raise SlackApiFailure("channel_not_found" if name == "channel" else "invalid_arguments")


def _bot_message(world: World, params: JSON, ts: str) -> JSON:
    ws = world.workspace
    message: JSON = {
        "user": ws.bot_user_id,
        "type": "message",
        "ts": ts,
        "bot_id": ws.bot_id,
        "app_id": ws.api_app_id,
        "text": params.get("text", ""),
        "team": ws.team_id,
        "bot_profile": {
            "id": ws.bot_id,
            "app_id": ws.api_app_id,
            "name": ws.bot_name,
            "team_id": ws.team_id,
        },
    }
    for key in ("blocks", "attachments", "metadata", "thread_ts"):
        if params.get(key):
            message[key] = params[key]
    return message


def auth_test(world: World, params: JSON) -> JSON:
    ws = world.workspace
    return {
        "ok": True,
        "url": f"https://{ws.team_domain}.slack.com/",
        "team": ws.team_name,
        "user": ws.bot_name,
        "team_id": ws.team_id,
        "user_id": ws.bot_user_id,
        "bot_id": ws.bot_id,
        "is_enterprise_install": False,
    }


def chat_post_message(world: World, params: JSON) -> JSON:
    params = _decode(params)
    _require(params, "channel")
    if not (params.get("text") or params.get("blocks") or params.get("attachments")):
        raise SlackApiFailure("no_text")
    channel = world.resolve_channel(str(params["channel"]))
    if params.get("thread_ts"):
        world.thread(channel, str(params["thread_ts"]))
    message = world.store_message(channel, _bot_message(world, params, world.next_ts()))
    return {"ok": True, "channel": channel, "ts": message["ts"], "message": dict(message)}


def chat_post_ephemeral(world: World, params: JSON) -> JSON:
    params = _decode(params)
    _require(params, "channel", "user")
    if not (params.get("text") or params.get("blocks") or params.get("attachments")):
        raise SlackApiFailure("no_text")
    world.resolve_channel(str(params["channel"]))
    world.user(str(params["user"]), include_locale=False)
    return {"ok": True, "message_ts": world.next_ts()}


def chat_update(world: World, params: JSON) -> JSON:
    params = _decode(params)
    _require(params, "channel", "ts")
    channel, ts = world.resolve_channel(str(params["channel"])), str(params["ts"])
    changes: JSON = {
        k: params[k] for k in ("text", "blocks", "attachments", "metadata") if k in params
    }
    message = world.update_message(channel, ts, changes)
    return {
        "ok": True,
        "channel": channel,
        "ts": ts,
        "text": message.get("text", ""),
        "message": message,
    }


def chat_delete(world: World, params: JSON) -> JSON:
    _require(params, "channel", "ts")
    channel, ts = world.resolve_channel(str(params["channel"])), str(params["ts"])
    world.delete_message(channel, ts)
    return {"ok": True, "channel": channel, "ts": ts}


def users_info(world: World, params: JSON) -> JSON:
    _require(params, "user")
    user = world.user(str(params["user"]), include_locale=_truthy(params.get("include_locale")))
    return {"ok": True, "user": user}


def usergroups_users_list(world: World, params: JSON) -> JSON:
    _require(params, "usergroup")
    group = world.usergroup(
        str(params["usergroup"]), include_disabled=_truthy(params.get("include_disabled"))
    )
    return {"ok": True, "users": list(group["users"])}


def conversations_open(world: World, params: JSON) -> JSON:
    users = [u for u in str(params.get("users", "")).split(",") if u]
    if params.get("channel"):
        return {"ok": True, "channel": {"id": world.resolve_channel(str(params["channel"]))}}
    if len(users) != 1:
        raise SlackApiFailure("users_list_not_supplied" if not users else "not_implemented")
    channel = world.open_dm(users[0])
    body: JSON = {
        "ok": True,
        "channel": channel if _truthy(params.get("return_im")) else {"id": channel["id"]},
    }
    return body


def conversations_info(world: World, params: JSON) -> JSON:
    _require(params, "channel")
    return {"ok": True, "channel": world.channel(str(params["channel"]))}


def _page(messages: list[JSON], params: JSON) -> JSON:
    """Messages as Slack lists them: ``limit`` at most (default 100), message metadata only
    with ``include_all_metadata``."""
    limit = int(params.get("limit") or 100)
    if not _truthy(params.get("include_all_metadata")):
        messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
    return {
        "ok": True,
        "messages": messages[:limit],
        "has_more": len(messages) > limit,
        "response_metadata": {"next_cursor": ""},
    }


def conversations_replies(world: World, params: JSON) -> JSON:
    """The thread's parent, then its replies oldest first."""
    _require(params, "channel", "ts")
    return _page(world.thread(str(params["channel"]), str(params["ts"])), params)


def conversations_history(world: World, params: JSON) -> JSON:
    """The channel's top-level messages (thread parents included, replies not), newest first."""
    _require(params, "channel")
    channel = world.resolve_channel(str(params["channel"]))
    top = [m for m in world.history(channel) if m.get("thread_ts", m["ts"]) == m["ts"]]
    return _page(top[::-1], params)


def reactions_add(world: World, params: JSON) -> JSON:
    _require(params, "channel", "timestamp", "name")
    channel = world.resolve_channel(str(params["channel"]))
    world.add_reaction(
        channel, str(params["timestamp"]), str(params["name"]), world.workspace.bot_user_id
    )
    return {"ok": True}


def views_open(world: World, params: JSON) -> JSON:
    params = _decode(params)
    _require(params, "trigger_id")
    view = params.get("view")
    if not isinstance(view, dict) or view.get("type") not in ("modal", "home"):
        raise SlackApiFailure("invalid_arguments")
    ws = world.workspace
    opened: JSON = {
        "id": world.next_id("V"),
        "team_id": ws.team_id,
        "type": view["type"],
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "external_id": view.get("external_id", ""),
        "state": {"values": {}},
        "hash": world.next_id("H"),
        "title": view.get("title"),
        "submit": view.get("submit"),
        "close": view.get("close"),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "root_view_id": None,
        "previous_view_id": None,
        "app_id": ws.api_app_id,
        "bot_id": ws.bot_id,
    }
    opened["root_view_id"] = opened["id"]
    return {"ok": True, "view": opened}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "chat.postMessage": chat_post_message,
    "chat.postEphemeral": chat_post_ephemeral,
    "chat.update": chat_update,
    "chat.delete": chat_delete,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "conversations.open": conversations_open,
    "conversations.info": conversations_info,
    "conversations.replies": conversations_replies,
    "conversations.history": conversations_history,
    "reactions.add": reactions_add,
    "views.open": views_open,
}

# Methods that take an app-level (xapp-) token; everything else wants the bot token.
APP_TOKEN_METHODS = frozenset({"apps.connections.open"})
