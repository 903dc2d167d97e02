"""The fake workspace: identities, tokens, the user and channel directory, and message history.

Everything here is plain data behind one lock, so the Web API handlers (on the fake's loop) and the
test thread (seeding users, pushing events) can share it.
"""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["SlackApiFailure", "Workspace", "World"]

JSON = dict[str, Any]

_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SlackApiFailure(Exception):
    """A Web API method refused the request; becomes {"ok": false, "error": code}."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Workspace:
    """Identities of the fake's single team and app; override them to match recorded payloads."""

    team_id: str = "T0TIER0"
    team_domain: str = "tier0-test"
    team_name: str = "tier0 test"
    api_app_id: str = "A0TIER0"
    bot_id: str = "B0TIER0"
    bot_user_id: str = "U0TIER0BOT"
    bot_name: str = "tier0"
    bot_token: str = "xoxb-1-tier0-test-bot-token"
    app_token: str = "xapp-1-A0TIER0-1-tier0-test-app-token"
    verification_token: str = "tier0-legacy-verification-token"


def _tz_fields(tz: str) -> JSON:
    try:
        now = datetime.now(ZoneInfo(tz))
    except ZoneInfoNotFoundError:
        return {"tz": tz, "tz_label": tz, "tz_offset": 0}
    offset = now.utcoffset()
    return {
        "tz": tz,
        "tz_label": now.tzname() or tz,
        "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
    }


class World:
    """Users, channels and messages of the workspace, and the clock issuing message ts."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._lock = threading.RLock()
        self._micros = 1_700_000_000_000_000
        self._ids = itertools.count(1)
        self._users: dict[str, JSON] = {}
        self._channels: dict[str, JSON] = {}
        self._messages: dict[str, dict[str, JSON]] = {}
        self._dm_by_user: dict[str, str] = {}
        self._usergroups: dict[str, JSON] = {}

    def next_ts(self) -> str:
        """Slack-shaped, strictly increasing timestamps: "1700000000.000100", "...000200"."""
        with self._lock:
            self._micros += 100
            return f"{self._micros // 1_000_000}.{self._micros % 1_000_000:06d}"

    def next_id(self, prefix: str) -> str:
        with self._lock:
            return f"{prefix}0{next(self._ids):08d}"

    # -- directory --------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        real_name: str | None = None,
        email: str | None = None,
        locale: str = "en-US",
        tz: str = "Europe/London",
        is_bot: bool = False,
        is_admin: bool = False,
        deleted: bool = False,
    ) -> JSON:
        real = real_name or name.title()
        user: JSON = {
            "id": user_id,
            "team_id": self.workspace.team_id,
            "name": name,
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real,
            **_tz_fields(tz),
            "profile": {
                "real_name": real,
                "real_name_normalized": real,
                "display_name": name,
                "display_name_normalized": name,
                "email": email or f"{name}@example.com",
                "team": self.workspace.team_id,
            },
            "is_admin": is_admin,
            "is_owner": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1_700_000_000,
            "locale": locale,
        }
        with self._lock:
            self._users[user_id] = user
        return user

    def add_usergroup(
        self, group_id: str, handle: str, users: list[str], *, disabled: bool = False
    ) -> JSON:
        """A user group (``S...``), e.g. the agents of a tier given as ``slack:S...``."""
        group: JSON = {
            "id": group_id,
            "team_id": self.workspace.team_id,
            "is_usergroup": True,
            "name": handle.title(),
            "handle": handle,
            "date_delete": 1_700_000_000 if disabled else 0,
            "users": list(users),
            "user_count": len(users),
        }
        with self._lock:
            self._usergroups[group_id] = group
        return group

    def usergroup(self, group_id: str, *, include_disabled: bool) -> JSON:
        with self._lock:
            found = self._usergroups.get(group_id)
        if found is None or (found["date_delete"] and not include_disabled):
            raise SlackApiFailure("no_such_subteam")
        return dict(found)

    def user(self, user_id: str, *, include_locale: bool) -> JSON:
        with self._lock:
            found = self._users.get(user_id)
        if found is None:
            raise SlackApiFailure("user_not_found")
        user = dict(found)
        if not include_locale:
            user.pop("locale")
        return user

    def add_channel(
        self, channel_id: str, name: str, *, is_private: bool = False, is_member: bool = True
    ) -> JSON:
        channel: JSON = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": False,
            "is_general": name == "general",
            "is_shared": False,
            "is_ext_shared": False,
            "is_org_shared": False,
            "is_member": is_member,
            "created": 1_700_000_000,
            "creator": self.workspace.bot_user_id,
            "context_team_id": self.workspace.team_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        with self._lock:
            self._channels[channel_id] = channel
        return channel

    def open_dm(self, user_id: str) -> JSON:
        with self._lock:
            if user_id not in self._users:
                raise SlackApiFailure("user_not_found")
            channel_id = self._dm_by_user.get(user_id)
            if channel_id is None:
                channel_id = self.next_id("D")
                self._dm_by_user[user_id] = channel_id
                self._channels[channel_id] = {
                    "id": channel_id,
                    "created": 1_700_000_000,
                    "is_im": True,
                    "is_org_shared": False,
                    "context_team_id": self.workspace.team_id,
                    "user": user_id,
                    "is_user_deleted": False,
                    "priority": 0,
                }
            return dict(self._channels[channel_id])

    def channel(self, channel_id: str) -> JSON:
        with self._lock:
            found = self._channels.get(channel_id)
        if found is None:
            raise SlackApiFailure("channel_not_found")
        return dict(found)

    def resolve_channel(self, ref: str) -> str:
        """What chat.postMessage accepts: a known ID or name, a user ID (opens the DM), or any
        C/G/D-shaped ID (created on first use)."""
        with self._lock:
            if ref in self._channels:
                return ref
            name = ref.removeprefix("#")
            for channel in self._channels.values():
                if channel.get("name") == name:
                    return str(channel["id"])
        if _USER_ID.match(ref):
            return str(self.open_dm(ref)["id"])
        if _CHANNEL_ID.match(ref):
            if ref.startswith("D"):
                with self._lock:
                    self._channels[ref] = {"id": ref, "is_im": True, "created": 1_700_000_000}
                return ref
            self.add_channel(ref, ref.lower())
            return ref
        raise SlackApiFailure("channel_not_found")

    # -- history ----------------------------------------------------------------------------

    def store_message(self, channel_id: str, message: JSON) -> JSON:
        with self._lock:
            self._messages.setdefault(channel_id, {})[str(message["ts"])] = message
            parent_ts = message.get("thread_ts")
            if parent_ts and parent_ts != message["ts"]:
                parent = self._messages[channel_id].get(str(parent_ts))
                if parent is not None:
                    parent["thread_ts"] = parent_ts
                    parent["reply_count"] = int(parent.get("reply_count", 0)) + 1
                    parent["latest_reply"] = message["ts"]
        return message

    def _stored(self, channel_id: str, ts: str) -> JSON:
        found = self._messages.get(channel_id, {}).get(ts)
        if found is None:
            raise SlackApiFailure("message_not_found")
        return found

    def update_message(self, channel_id: str, ts: str, changes: JSON) -> JSON:
        with self._lock:
            message = self._stored(channel_id, ts)
            message.update(changes)
            message["edited"] = {"user": self.workspace.bot_user_id, "ts": self.next_ts()}
            return dict(message)

    def add_reaction(self, channel_id: str, ts: str, name: str, user_id: str) -> None:
        with self._lock:
            message = self._stored(channel_id, ts)
            reactions: list[JSON] = message.setdefault("reactions", [])
            reaction = next((r for r in reactions if r["name"] == name), None)
            if reaction is None:
                reactions.append({"name": name, "users": [user_id], "count": 1})
            elif user_id in reaction["users"]:
                raise SlackApiFailure("already_reacted")
            else:
                reaction["users"].append(user_id)
                reaction["count"] += 1

    def delete_message(self, channel_id: str, ts: str) -> None:
        with self._lock:
            if self._messages.get(channel_id, {}).pop(ts, None) is None:
                raise SlackApiFailure("message_not_found")

    def thread(self, channel_id: str, ts: str) -> list[JSON]:
        with self._lock:
            history = self._messages.get(channel_id, {})
            if ts not in history:
                raise SlackApiFailure("thread_not_found")
            found = [m for m in history.values() if m["ts"] == ts or m.get("thread_ts") == ts]
            return sorted((dict(m) for m in found), key=lambda m: float(m["ts"]))

    def history(self, channel_id: str) -> list[JSON]:
        """Every stored message in a channel, oldest first (for assertions)."""
        with self._lock:
            found = self._messages.get(channel_id, {}).values()
            return sorted((dict(m) for m in found), key=lambda m: float(m["ts"]))
