"""The console adapter behind ``tier0 chat``: one person plays requester and agents."""

from adapters.console.lines import parse_line
from adapters.console.render import render
from adapters.console.session import ConsoleChat, Reader, lines_reader

__all__ = ["ConsoleChat", "Reader", "lines_reader", "parse_line", "render"]
