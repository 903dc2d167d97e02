"""A loop that retries the database by itself tells an outage once, then once a minute,
then its end, instead of a traceback per try; other errors are left to it."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.exc import OperationalError

from bot.delivery.outage_log import OutageLog
from storage.spool import is_outage

UNREACHABLE = OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def told(caplog: pytest.LogCaptureFixture) -> list[str]:
    lines = [record.getMessage() for record in caplog.records]
    caplog.clear()
    return lines


def test_an_outage_is_told_once_then_once_a_minute_then_its_end(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    clock = Clock()
    outage = OutageLog(logging.getLogger("tier0.test"), "delivery loop", is_outage, clock)

    assert outage.failed(UNREACHABLE)
    (first,) = told(caplog)
    assert first.startswith("delivery loop: database unreachable (OperationalError:")

    for _ in range(200):  # four tries a second for 50 s
        clock.now += 0.25
        assert outage.failed(UNREACHABLE)
    assert told(caplog) == []

    clock.now += 10.0
    outage.failed(UNREACHABLE)
    assert told(caplog) == [
        "delivery loop: database still unreachable after 60 s (201 more failed tries)"
    ]

    clock.now += 5.0
    outage.succeeded()
    outage.succeeded()
    assert told(caplog) == ["delivery loop: database reachable again after 65 s"]


def test_any_other_error_is_left_to_the_caller(caplog: pytest.LogCaptureFixture) -> None:
    outage = OutageLog(logging.getLogger("tier0.test"), "scheduler", is_outage, Clock())

    assert not outage.failed(ValueError("a bug"))
    outage.succeeded()
    assert told(caplog) == []
