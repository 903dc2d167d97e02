"""Only payloads shaped like Slack's reach Bolt, in HTTP and Socket Mode alike.

Bolt's parsing, its matchers and its own log messages, and tier0's listeners, read a payload
as Slack documents it (``body["event"]["type"]``, ``body["actions"][0].get(...)``,
``body["user"]["id"]``, ``command["user_id"]``). A payload that differs (``"event": null``,
``"actions": "x"``, a slash command without its user) raised deep inside them: an HTTP 500
and a traceback. Here it is refused before any of them reads it, for one short reason that
names no data of the payload. Checked are the fields they read without looking; anything
deeper is translation's to ignore (``adapters.malformed``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from slack_bolt.request.async_request import AsyncBoltRequest

from adapters.malformed import SHAPE_ERRORS

__all__ = ["Malformed", "bolt_request", "shape_problem"]

JSON = Mapping[str, Any]


class Malformed(Exception):
    """A payload Slack does not send; ``reason`` says why without quoting it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def bolt_request(
    body: str | dict[str, Any],
    *,
    mode: str,
    headers: dict[str, Any] | None,
    query: str | None = None,
) -> AsyncBoltRequest:
    """Bolt's request for a signed body (HTTP) or an envelope's payload (Socket Mode).

    Raises :class:`Malformed` for one that is not a JSON object shaped like Slack's, including
    what Bolt's own parsing cannot read (bad JSON, nesting past the recursion limit, a
    ``team`` that is a number).
    """
    try:
        request = AsyncBoltRequest(body=body, query=query, headers=headers, mode=mode)
    except (*SHAPE_ERRORS, RecursionError) as error:
        raise Malformed(f"a malformed body ({type(error).__name__})") from None
    if not isinstance(request.body, dict):
        raise Malformed("a body that is not a JSON object")
    problem = shape_problem(request.body)
    if problem is not None:
        raise Malformed(problem)
    return request


def shape_problem(body: JSON) -> str | None:
    """Why ``body`` is not a payload Slack sends, or None if the fields read blindly are there."""
    kind = body.get("type")
    if kind is None:
        if "command" in body:
            return _fields_problem(body, _COMMAND_FIELDS, "a slash command")
        if body.get("ssl_check") == "1":  # Slack's check of a slash command's URL
            return None
        return "a body with no payload type"
    if not isinstance(kind, str):
        return "a payload type that is not a string"
    check = _BY_TYPE.get(kind)
    return check(body) if check is not None else None


_COMMAND_FIELDS: Final = ("command", "user_id", "channel_id", "text")


_MAY_BE_EMPTY: Final = frozenset({"text"})
"""A slash command's text is empty when none was typed; every id and name is not."""


def _fields_problem(body: JSON, fields: tuple[str, ...], what: str) -> str | None:
    for name in fields:
        value = body.get(name)
        if not isinstance(value, str) or not (value or name in _MAY_BE_EMPTY):
            return f"{what} without a {name} string"
    return None


def _object(body: JSON, name: str) -> JSON | None:
    value = body.get(name)
    return value if isinstance(value, dict) else None


def _event_problem(body: JSON) -> str | None:
    event = _object(body, "event")
    if event is None:
        return "an event callback whose event is not an object"
    return _fields_problem(event, ("type",), "an event")


def _person_problem(body: JSON, what: str) -> str | None:
    user = _object(body, "user")
    if user is None:
        return f"{what} whose user is not an object"
    return _fields_problem(user, ("id",), f"{what}'s user")


def _actions_problem(body: JSON) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "a block action whose actions are not a list of objects"
    for action in actions:
        if not isinstance(action, dict):
            return "a block action whose actions are not a list of objects"
        if not isinstance(action.get("action_id"), str):
            return "a block action without an action_id string"
    return _fields_problem(body, ("trigger_id",), "a block action") or _person_problem(
        body, "a block action"
    )


def _view_problem(body: JSON) -> str | None:
    view = _object(body, "view")
    if view is None:
        return "a view payload whose view is not an object"
    return _fields_problem(view, ("type", "callback_id"), "a view") or _person_problem(
        body, "a view payload"
    )


def _shortcut_problem(body: JSON) -> str | None:
    return _fields_problem(body, ("callback_id", "trigger_id"), "a shortcut") or _person_problem(
        body, "a shortcut"
    )


_BY_TYPE: Final[Mapping[str, Callable[[JSON], str | None]]] = {
    "event_callback": _event_problem,
    "block_actions": _actions_problem,
    "view_submission": _view_problem,
    "view_closed": _view_problem,
    "shortcut": _shortcut_problem,
    "message_action": _shortcut_problem,
}
"""The payload types whose listeners, or Bolt's matchers, read fields without looking."""
