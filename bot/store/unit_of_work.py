"""One transaction, typed by what the service that opens it keeps in it.

A service takes ``UnitOfWork[OutboxStore]`` (say) rather than the whole store, so its
signature says which part of storage it touches and a test may hand it a fake of just that.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TypeAlias, TypeVar

__all__ = ["UnitOfWork"]

StoreT = TypeVar("StoreT")

UnitOfWork: TypeAlias = Callable[[], AbstractContextManager[StoreT]]
"""Opens one transaction: commits when the block ends normally, rolls back on error."""
