"""discord.py's UI objects (views, modals) built from the plain specs :mod:`render` makes.

They need a running event loop, so they are made just before sending and forgotten right
after: presses and form submissions are handled from their custom ids, never by the view.
"""

from __future__ import annotations

from typing import Final

import discord

from adapters.discord_adapter.render import ButtonSpec, MessageSpec, ModalSpec

__all__ = ["NO_MENTIONS", "build_view", "forget", "modal_form"]

NO_MENTIONS: Final = discord.AllowedMentions.none()
"""On every message as well as escaped text: a second line of defence against pings."""


def build_view(spec: MessageSpec) -> discord.ui.View | None:
    """Components as a discord.py view (needs a running event loop), or None without any."""
    if not spec.rows:
        return None
    view = discord.ui.View(timeout=None)
    for row, items in enumerate(spec.rows):
        for item in items:
            if isinstance(item, ButtonSpec):
                view.add_item(
                    discord.ui.Button(
                        label=item.label,
                        custom_id=item.custom_id,
                        style=discord.ButtonStyle[item.style],
                        row=row,
                    )
                )
            else:
                options = [
                    discord.SelectOption(label=label, value=value, default=value == item.default)
                    for label, value in item.options
                ]
                view.add_item(
                    discord.ui.Select(
                        custom_id=item.custom_id,
                        placeholder=item.placeholder,
                        options=options,
                        row=row,
                    )
                )
    return view


def forget(view: discord.ui.View | None) -> None:
    """Presses are handled from their custom ids, so discord.py need not keep the view."""
    if view is not None:
        view.stop()


def modal_form(spec: ModalSpec) -> discord.ui.Modal:
    """A one-field form: a question, an escalation's reason, a rating's comment."""
    form = discord.ui.Modal(title=spec.title, custom_id=spec.custom_id, timeout=None)
    form.add_item(
        discord.ui.TextInput(
            label=spec.label,
            custom_id="text",
            style=discord.TextStyle.paragraph,
            required=spec.required,
            max_length=1000,
        )
    )
    return form
