"""Dates as the user's locale writes them (the system ``QLocale``): shown, and typed.

A shown date is the locale's long date without the weekday and with a short month
name (``Mar 14, 1985`` in the US, ``14 Mar 1985`` in Britain, ``14. März 1985`` in
Germany). A typed date uses the locale's numeric order with a four-digit year
(``3/14/1985``, ``14/03/1985``, ``14.03.1985``); what it means is read by
:func:`kapnotes.domain.parse.parse_day`, not here.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QLocale

if TYPE_CHECKING:  # the parsing rules load with the first date field, not at start-up
    from kapnotes.domain.parse import DateOrder

_WEEKDAY = re.compile(r"[\s,]*(?<!d)dddd(?!d)[\s,]*")
_FALLBACK = "d MMM yyyy"


def qdate(day: date) -> QDate:
    """A Python date as a QDate."""
    return QDate(day.year, day.month, day.day)


def medium_format(locale: QLocale | None = None) -> str:
    """The locale's long date format without the weekday, with the month abbreviated."""
    locale = locale or QLocale()
    long = locale.dateFormat(QLocale.FormatType.LongFormat)
    text = _WEEKDAY.sub(" ", long).strip(" ,")
    text = re.sub(r"(?<!M)MMMM(?!M)", "MMM", text)
    if "d" not in text or "M" not in text or "y" not in text:
        return _FALLBACK
    return text


def show_date(day: date | None, *, year: bool = True, locale: QLocale | None = None) -> str:
    """A date for reading: ``Mar 14, 1985`` / ``14 Mar 1985`` (``year=False``: ``Mar 14``).

    Empty for None.
    """
    if day is None:
        return ""
    locale = locale or QLocale()
    fmt = medium_format(locale)
    if not year:
        fmt = "MMM d" if fmt.find("M") < fmt.find("d") else "d MMM"
    return locale.toString(qdate(day), fmt)


def typing_format(locale: QLocale | None = None) -> str:
    """The locale's numeric date format with a four-digit year: ``M/d/yyyy``, ``dd.MM.yyyy``."""
    locale = locale or QLocale()
    short = locale.dateFormat(QLocale.FormatType.ShortFormat)
    return re.sub(r"(?<!y)yy(?!y)", "yyyy", short)


def date_order(locale: QLocale | None = None) -> DateOrder:
    """Whether the locale writes day, month or year first (from its numeric format)."""
    from kapnotes.domain.parse import DateOrder

    fmt = typing_format(locale)
    letters = (("d", "d"), ("M", "m"), ("y", "y"))
    positions = sorted((fmt.find(letter), key) for letter, key in letters)
    if any(position < 0 for position, _ in positions):
        return DateOrder.YMD
    return DateOrder("".join(key for _, key in positions))


def date_separator(locale: QLocale | None = None) -> str:
    """The character between the numbers of a typed date (``/``, ``.``, ``-``)."""
    match = re.search(r"[^dMy\s]", typing_format(locale))
    return match.group(0) if match else " "


def typed_text(day: date | None, locale: QLocale | None = None) -> str:
    """A date as it would be typed in this locale (``3/14/1985``); empty for None."""
    if day is None:
        return ""
    locale = locale or QLocale()
    return locale.toString(qdate(day), typing_format(locale))
