"""The session clock: T0 is the first dose, times are shown as T+minutes:seconds.

Pure functions over plain datetimes: the caller supplies "now" (a real clock in
the app, a fixed datetime in tests). All datetimes of one session must be either
all naive or all timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

PRE_DOSE_LABEL = "pre-dose"


@dataclass(frozen=True, slots=True)
class SessionClock:
    """T0 (the first administration) of a session, or ``None`` before any dose."""

    t0: datetime | None = None

    @classmethod
    def from_dose_times(cls, times: Iterable[datetime]) -> SessionClock:
        """The clock whose T0 is the earliest of the given dose times."""
        return cls(min(times, default=None))

    def t_plus(self, now: datetime) -> timedelta | None:
        """Time since T0, or ``None`` before the first dose ("pre-dose")."""
        if self.t0 is None or now < self.t0:
            return None
        return now - self.t0

    def minutes(self, at: datetime) -> int | None:
        """Whole minutes since T0 (negative before it), ``None`` when there is no T0.

        This is the dosing template's ``t_plus_min`` column.
        """
        if self.t0 is None:
            return None
        return minutes_of(at - self.t0)

    def label(self, now: datetime) -> str:
        """``"T+12:05"`` once dosed, ``"pre-dose"`` before."""
        elapsed = self.t_plus(now)
        return PRE_DOSE_LABEL if elapsed is None else format_t_plus(elapsed)


def minutes_of(delta: timedelta) -> int:
    """Whole minutes of a duration, rounded down (-30 s is -1: still before T0)."""
    return int(delta.total_seconds() // 60)


def format_t_plus(delta: timedelta) -> str:
    """``T+12:05`` (minutes:seconds); ``T+1:12:05`` from one hour; ``T-05:00`` before T0.

    Seconds are truncated, never rounded up, so the display never runs ahead.
    """
    total = int(delta.total_seconds())
    sign = "+"
    if delta < timedelta(0):
        sign = "-"
        total = int(-delta.total_seconds())
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"T{sign}{hours}:{minutes:02d}:{seconds:02d}"
    return f"T{sign}{minutes:02d}:{seconds:02d}"


def format_minutes(minutes: int | float) -> str:
    """A duration in minutes for people: ``45 min``, ``2 h``, ``2 h 10 min``."""
    whole = int(minutes)
    sign = "-" if whole < 0 else ""
    hours, rest = divmod(abs(whole), 60)
    if hours and rest:
        return f"{sign}{hours} h {rest} min"
    if hours:
        return f"{sign}{hours} h"
    return f"{sign}{rest} min"
