"""How reports write dates, times and numbers: the same on every computer.

Month names are English and fixed (``2 Mar 2026``), never the C library's
locale, so a report made from the app (whose toolkit sets the locale) and one
made on the command line are the same bytes. Clock times are the note's own,
shown on its session timeline (:meth:`SessionTimeline.clock`).
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from kapnotes.domain.timeline import as_utc

MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_text(day: date) -> str:
    """``2 Mar 2026``."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def long_day_text(day: date) -> str:
    """``Monday 2 Mar 2026``."""
    return f"{WEEKDAYS[day.weekday()]} {day_text(day)}"


def stamp_text(instant: datetime, zone_name: str) -> str:
    """An instant as the clinic reads it: ``2 Mar 2026 14:05 EST`` (in ``zone_name``)."""
    local = as_utc(instant).astimezone(ZoneInfo(zone_name))
    return f"{day_text(local.date())} {local:%H:%M} {local.tzname() or ''}".rstrip()


def number_text(value: float | int) -> str:
    """A number without noise: ``200``, ``0.5``, ``1.25`` (never ``200.0``)."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value.is_integer():
        return str(int(value))
    return f"{value:.6g}"


def with_unit(value: float | int, unit: str) -> str:
    """``200 mg``; ``98 %`` is written ``98%``."""
    text = number_text(value)
    if not unit:
        return text
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def t_plus_text(minutes: int | None) -> str:
    """``T+25``, ``T−10`` before the first dose, ``—`` without one."""
    if minutes is None:
        return "—"
    return f"T+{minutes}" if minutes >= 0 else f"T−{-minutes}"


def signed(number: int) -> str:
    """``+3``, ``−13`` (a true minus sign), ``0``."""
    if number > 0:
        return f"+{number}"
    return f"−{-number}" if number < 0 else "0"


def plural(count: int, word: str, many: str | None = None) -> str:
    """``1 page``, ``3 pages``."""
    return f"{count} {word if count == 1 else (many or word + 's')}"
