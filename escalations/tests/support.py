"""Helpers shared by the escalation, follow-up and notification tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from forecourt.worker import Worker

CHICAGO = ZoneInfo("America/Chicago")


def chicago(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A wall-clock time at Riverside Toyota (Austin)."""
    return datetime(year, month, day, hour, minute, second, tzinfo=CHICAGO)


def local(moment: datetime | None) -> str | None:
    """A stored instant as Riverside's staff read it: "Mon 2026-03-09 09:20 CDT"."""
    return moment.astimezone(CHICAGO).strftime("%a %Y-%m-%d %H:%M %Z") if moment else None


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    with time_machine.travel(moment, tick=False):
        yield


def run_worker_at(moment: datetime) -> None:
    """One pass of the worker, in this process, with the clock at `moment`."""
    with at(moment):
        Worker().run_once()


def mail_summary(messages: list[EmailMessage]) -> list[tuple[str, str]]:
    """(recipient, subject start) of every email received, in order."""
    return [(str(m["To"]), str(m["Subject"]).split(":")[0]) for m in messages]


def first_words(messages: list[Any], words: int = 1) -> list[str]:
    return [" ".join(str(m["Subject"]).split()[:words]) for m in messages]
