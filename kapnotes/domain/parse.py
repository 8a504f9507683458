"""Typed input in one place: what a clinician typed, turned into the value a field stores.

One parser per field type — number, integer, time, date, scale, choice — used by
the editor's fields and log tables, the live session view and import alike; and
the client form's two typed values, a weight in kg or lb (:func:`parse_weight`) and
a date in the order the user's locale writes it (:func:`parse_day`).
Blank text is ``None`` (nothing entered). Text that does not parse raises
:class:`InputError` naming the field; it is never stored as the value.
Range and plausibility stay with the field's own ``check_value`` (a parsed 400
mmHg is a number, and the field says it is out of range).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from kapnotes.domain.units import KG_PER_LB, WeightUnit

if TYPE_CHECKING:  # the field models (pydantic) load with the first field parsed
    from kapnotes.domain.templates.model import (
        AnyField,
        ColumnField,
        MultiChoiceField,
        Option,
        ScaleField,
        SingleChoiceField,
    )

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_TIME = re.compile(r"^(\d{1,2})[:.h]?(\d{2})$")


class InputError(ValueError):
    """Typed text that is not a value of its field; ``label`` names the field."""

    def __init__(self, label: str, message: str) -> None:
        self.label = label
        self.problem = message
        super().__init__(f"{label}: {message}")


def _text(value: object) -> str | None:
    """Stripped text, or None for blank."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_number(value: object, label: str = "Number") -> float | int | None:
    """``"1,5"`` or ``"1.5"`` is 1.5, ``"60"`` is 60 (a whole number stays an int)."""
    if isinstance(value, bool):
        raise InputError(label, "must be a number")
    if isinstance(value, int | float):
        return value
    text = _text(value)
    if text is None:
        return None
    if not _NUMBER.match(text):
        raise InputError(label, f"'{text}' is not a number")
    number = float(text.replace(",", "."))
    return int(number) if number.is_integer() else number


def parse_integer(value: object, label: str = "Number") -> int | None:
    """A whole number: ``"120"`` is 120; ``"12.5"`` and ``"abc"`` are refused."""
    if isinstance(value, bool):
        raise InputError(label, "must be a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise InputError(label, f"{value:g} is not a whole number")
    text = _text(value)
    if text is None:
        return None
    if not _INTEGER.match(text):
        raise InputError(label, f"'{text}' is not a whole number")
    return int(text)


def parse_clock_time(value: object, label: str = "Time") -> time | None:
    """``"9:05"``, ``"09:05"``, ``"0905"`` or ``"09.05"`` as 09:05; other text is refused."""
    if isinstance(value, time):
        return value
    text = _text(value)
    if text is None:
        return None
    match = _TIME.match(text)
    if match is None:
        raise InputError(label, f"'{text}' is not a clock time (HH:MM)")
    hour, minute = int(match.group(1)), int(match.group(2))
    if hour > 23 or minute > 59:
        raise InputError(label, f"'{text}' is not a clock time (00:00–23:59)")
    return time(hour, minute)


def parse_date_text(value: object, label: str = "Date") -> date | None:
    """An ISO date ``YYYY-MM-DD``; other text is refused."""
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(label, f"'{text}' is not a date (YYYY-MM-DD)") from None


class DateOrder(StrEnum):
    """The order a locale writes day, month and year in (``dmy``: 14/03/1985)."""

    DMY = "dmy"
    MDY = "mdy"
    YMD = "ymd"


_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_DATE_CHARACTERS = re.compile(r"^[0-9A-Za-z\s/.,\-]+$")
_ISO_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def date_pattern(order: DateOrder, separator: str = "/") -> str:
    """How to type a date in this order: ``"MM/DD/YYYY"``, ``"DD.MM.YYYY"``, ``"YYYY-MM-DD"``."""
    parts = {"d": "DD", "m": "MM", "y": "YYYY"}
    return separator.join(parts[letter] for letter in order.value)


def _month_named(word: str) -> int | None:
    folded = word.casefold()
    if len(folded) < 3:
        return None
    matches = [n for n, name in enumerate(_MONTHS, start=1) if name.startswith(folded)]
    return matches[0] if len(matches) == 1 else None


def parse_day(
    value: object, order: DateOrder = DateOrder.YMD, label: str = "Date", separator: str = "/"
) -> date | None:
    """A calendar date typed in the user's order (``order``), or as ISO ``YYYY-MM-DD``.

    ``"3/14/1985"`` (MDY), ``"14.03.1985"`` (DMY) and ``"1985-03-14"`` (always) are
    14 March 1985; an English month name may stand for the month (``"14 Mar 1985"``,
    ``"March 14, 1985"``). The year takes four digits (``"85"`` could be 1885 or
    1985). Blank is None; anything else raises :class:`InputError` saying how to type
    it (``separator`` only shapes that hint).
    """
    if isinstance(value, date):
        return value
    text = _text(value)
    if text is None:
        return None
    how = f"type it as {date_pattern(order, separator)}"
    if not _DATE_CHARACTERS.match(text):
        raise InputError(label, f"'{text}' is not a date; {how}")
    iso = _ISO_DAY.match(text)
    tokens = list(iso.groups()) if iso else re.findall(r"\d+|[A-Za-z]+", text)
    if len(tokens) != 3:
        raise InputError(label, f"'{text}' is not a date; {how}")
    words = [t for t in tokens if not t.isdigit()]
    numbers = [t for t in tokens if t.isdigit()]
    if len(words) > 1:
        raise InputError(label, f"'{text}' is not a date; {how}")
    if words:
        month = _month_named(words[0])
        if month is None:
            raise InputError(label, f"'{words[0]}' in '{text}' is not a month")
        four = [len(t) == 4 for t in numbers]
        if four.count(True) != 1:
            raise InputError(label, f"'{text}': type the year with four digits (e.g. 1985)")
        year, day = int(numbers[four.index(True)]), int(numbers[four.index(False)])
    else:
        if iso is not None or len(tokens[0]) == 4:
            year_text, month_text, day_text = tokens
        else:
            by_letter = dict(zip(order.value, tokens, strict=True))
            year_text, month_text, day_text = by_letter["y"], by_letter["m"], by_letter["d"]
        if len(year_text) != 4:
            raise InputError(label, f"'{text}': type the year with four digits (e.g. 1985)")
        year, month, day = int(year_text), int(month_text), int(day_text)
    if not 1 <= month <= 12:
        raise InputError(label, f"'{text}' is not a date: there is no month {month}; {how}")
    try:
        return date(year, month, day)
    except ValueError:
        raise InputError(
            label, f"'{text}' is not a date: {_MONTHS[month - 1].title()} has no day {day}"
        ) from None


_WEIGHT = re.compile(
    r"^(?P<number>\d+(?:[.,]\d*)?|[.,]\d+)\s*"
    r"(?P<unit>kg|kgs|kilo|kilos|kilogram|kilograms|lb|lbs|pound|pounds|#)?\.?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Weight:
    """A parsed weight: ``kg`` to store, and the number and unit as typed."""

    kg: float
    entered: float
    unit: WeightUnit


def parse_weight(
    value: object, unit: WeightUnit = WeightUnit.KG, label: str = "Weight"
) -> Weight | None:
    """``"70"``, ``"70 kg"``, ``"154 lb"``, ``"154lbs"``, ``"61,5"`` as a :class:`Weight`.

    A unit typed after the number wins over ``unit`` (the unit chosen beside the
    field). Pounds become kilograms rounded to 0.1 kg; kilograms are kept as typed.
    Blank is None; other text raises :class:`InputError`. The plausible range is the
    client rules' (:func:`kapnotes.domain.clients.weight_range_text`), not checked here.
    """
    if isinstance(value, bool):
        raise InputError(label, "must be a number")
    if isinstance(value, int | float):
        number = float(value)
        typed: str | None = None
    else:
        text = _text(value)
        if text is None:
            return None
        match = _WEIGHT.match(text)
        if match is None:
            raise InputError(
                label, f"'{text}' is not a weight; type a number, e.g. 70 kg or 154 lb"
            )
        number = float(match.group("number").replace(",", "."))
        typed = match.group("unit")
    if typed:
        unit = WeightUnit.KG if typed.casefold().startswith("k") else WeightUnit.LB
    if number <= 0:
        raise InputError(label, "must be more than 0")
    kg = number if unit is WeightUnit.KG else round(number * KG_PER_LB, 1)
    return Weight(kg=kg, entered=number, unit=unit)


def parse_scale(value: object, field: ScaleField) -> int | None:
    """A whole number on the field's scale (``min``–``max``); text before a dash is read
    (``"3 – moderate"`` is 3)."""
    if isinstance(value, str) and "–" in value:
        value = value.split("–", 1)[0]
    number = parse_integer(value, field.label)
    if number is not None and not field.min <= number <= field.max:
        raise InputError(field.label, f"{number} is not between {field.min} and {field.max}")
    return number


def _option(text: str, options: tuple[Option, ...]) -> str | None:
    folded = text.casefold()
    return next(
        (o.value for o in options if folded in (o.label.casefold(), o.value.casefold())), None
    )


def parse_choice(value: object, field: SingleChoiceField) -> str | None:
    """An option by its label or value (any case); other text only where the field allows it."""
    text = _text(value)
    if text is None:
        return None
    match = _option(text, field.options)
    if match is not None:
        return match
    if field.allow_other:
        return text
    labels = ", ".join(o.label for o in field.options)
    raise InputError(field.label, f"'{text}' is not one of the choices ({labels})")


def parse_choices(value: object, field: MultiChoiceField) -> list[str] | None:
    """Several options: a list, or labels separated by commas."""
    if isinstance(value, list | tuple):
        parts = [str(v) for v in value]
    else:
        text = _text(value)
        if text is None:
            return None
        parts = text.split(",")
    chosen: list[str] = []
    for part in (p.strip() for p in parts):
        if not part:
            continue
        match = _option(part, field.options)
        if match is None and not field.allow_other:
            labels = ", ".join(o.label for o in field.options)
            raise InputError(field.label, f"'{part}' is not one of the choices ({labels})")
        chosen.append(match or part)
    return chosen or None


def parse_yes_no(value: object, label: str = "Yes/no") -> bool | None:
    """``yes``/``no`` (also ``y``/``n``, ``true``/``false``) as True/False."""
    if isinstance(value, bool):
        return value
    text = _text(value)
    if text is None:
        return None
    folded = text.casefold()
    if folded in ("yes", "y", "true"):
        return True
    if folded in ("no", "n", "false"):
        return False
    raise InputError(label, f"'{text}' is not yes or no")


def parse_value(field: AnyField | ColumnField, value: Any) -> Any:
    """What a field stores for typed input (or an imported value); None when blank.

    Number, integer, scale, time, date, choice and yes/no fields are parsed;
    other types (text, checklists, logs) pass through. :class:`InputError`
    names the field for text that does not parse.
    """
    from kapnotes.domain.templates.model import (
        DateField,
        IntegerField,
        MultiChoiceField,
        NumberField,
        ScaleField,
        SingleChoiceField,
        TimeField,
        YesNoField,
    )

    if isinstance(field, IntegerField):
        return parse_integer(value, field.label)
    if isinstance(field, NumberField):
        return parse_number(value, field.label)
    if isinstance(field, ScaleField):
        return parse_scale(value, field)
    if isinstance(field, TimeField):
        parsed = parse_clock_time(value, field.label)
        return None if parsed is None else f"{parsed:%H:%M}"
    if isinstance(field, DateField):
        day = parse_date_text(value, field.label)
        return None if day is None else day.isoformat()
    if isinstance(field, SingleChoiceField):
        return parse_choice(value, field)
    if isinstance(field, MultiChoiceField):
        return parse_choices(value, field)
    if isinstance(field, YesNoField):
        return parse_yes_no(value, field.label)
    if isinstance(value, str) and not value.strip():
        return None
    return value
