"""A field's value as printed text, by field type, the way the editor shows it.

Choices print their labels, checklists their ticked and unticked items, scales
their value with the range and its anchors, dates as ``2 Mar 2026``, clock times
on the note's timeline (with the zone across a clock change), numbers with
their unit. None means "nothing to print" (empty).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final

from kapnotes.domain.templates import (
    ChecklistField,
    ColumnField,
    DateField,
    IntegerField,
    LongTextField,
    MultiChoiceField,
    NumberField,
    Option,
    ScaleField,
    ShortTextField,
    SingleChoiceField,
    TimeField,
    YesNoField,
)
from kapnotes.domain.templates.model import is_blank, is_number, parse_date
from kapnotes.reports.words import day_text, number_text, with_unit

TICKED: Final = "☑"
UNTICKED: Final = "☐"

#: A clock-time reader: the instant of a time value (None when it has none) and its text.
ClockShown = Callable[[Any], str | None]


def option_label(options: Sequence[Option], value: Any) -> str:
    """The label of a choice's value (the value itself when it is free "other" text)."""
    for option in options:
        if option.value == value:
            return option.label
    return str(value)


def checklist_lines(items: Sequence[Option], ticked: Any) -> list[str]:
    """``☑ Fasted`` / ``☐ Ride home confirmed``, one per visible item, then any ticked value
    the template no longer lists."""
    chosen = [str(v) for v in ticked] if isinstance(ticked, list | tuple) else []
    lines = [f"{TICKED if item.value in chosen else UNTICKED} {item.label}" for item in items]
    known = {item.value for item in items}
    lines.extend(f"{TICKED} {value}" for value in chosen if value not in known)
    return lines


def scale_text(field: ScaleField, value: Any) -> str:
    """``7 on 0–10 (0 Not ready, 10 Fully ready)``."""
    return (
        f"{number_text(value) if is_number(value) else value} on {field.min}–{field.max} "
        f"({field.min} {field.anchors.low}, {field.max} {field.anchors.high})"
    )


def value_text(
    field: ColumnField | ChecklistField,
    value: Any,
    *,
    clock: ClockShown | None = None,
    items: Sequence[Option] | None = None,
) -> str | None:
    """The printed text of a plain field's (or log column's) value; None when empty.

    ``clock`` shows a time field's value on the note's timeline; ``items`` are the
    checklist items visible (``show_if``), by default all.
    """
    if isinstance(field, ChecklistField):
        if value is None:
            return None
        lines = checklist_lines(items if items is not None else field.items, value)
        return "\n".join(lines) if lines else "Nothing to tick"
    if isinstance(field, YesNoField):
        return None if value is None else ("Yes" if value is True else "No")
    if is_blank(value):
        return None
    if isinstance(field, SingleChoiceField):
        return option_label(field.options, value)
    if isinstance(field, MultiChoiceField):
        chosen = value if isinstance(value, list | tuple) else [value]
        return "; ".join(option_label(field.options, v) for v in chosen)
    if isinstance(field, ScaleField):
        return scale_text(field, value)
    if isinstance(field, NumberField | IntegerField):
        return with_unit(value, field.unit) if is_number(value) else str(value)
    if isinstance(field, DateField):
        day = parse_date(value)
        return day_text(day) if day is not None else str(value)
    if isinstance(field, TimeField):
        shown = clock(value) if clock is not None else None
        return shown or str(value)
    if isinstance(field, ShortTextField | LongTextField):
        return str(value)
    return str(value)


def cell_text(column: ColumnField, value: Any) -> str:
    """A log cell as printed (``—`` when empty): numbers without their unit (the column
    heading carries it), choices as labels, yes/no as words. Time columns are shown by
    the log's renderer, on the note's timeline."""
    if isinstance(column, ScaleField | NumberField | IntegerField) and is_number(value):
        return number_text(value)
    text = value_text(column, value)
    return "—" if text is None else text
