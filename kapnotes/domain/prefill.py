"""What a new note starts with, so nothing known is typed twice.

A pure rule: given the note's template and what is already known when it is
created (:class:`NoteStart`: the clinician creating it, the course's plan, the
client record, how many notes of the phase the course has), :func:`prefill`
returns the values to start from and the log rows to add. Only fields the
template has, of a fitting type, are filled, and a choice is filled only with
one of its options:

* ``session_number`` - the notes of this phase the course already has, plus one;
* ``planned_product`` - the course's planned product and route;
* ``planned_route_detail`` - the course's route and dose detail;
* ``emergency_contact`` and ``medication_notes`` - from the client record;
* ``clinicians`` - one row for the signed-in clinician: name, role (when the
  column offers it) and credential; the times are left for when they happen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from kapnotes.domain.templates.model import (
    AnyField,
    IntegerField,
    LogField,
    LongTextField,
    ShortTextField,
    SingleChoiceField,
    TemplateSpec,
)

#: The clinicians log every template uses for who was present.
CLINICIANS: Final = "clinicians"


@dataclass(frozen=True, slots=True)
class Author:
    """The clinician creating the note (as their record reads)."""

    name: str
    credential: str = ""
    role: str = ""


@dataclass(frozen=True, slots=True)
class NoteStart:
    """What is known when a note is created.

    ``earlier_of_phase`` counts the notes of the new note's phase the course
    already has (drafts included); the rest is None when not recorded.
    """

    earlier_of_phase: int = 0
    author: Author | None = None
    planned_product: str | None = None
    planned_route_detail: str | None = None
    emergency_contact: str | None = None
    medications: str | None = None


@dataclass(frozen=True)
class Prefill:
    """The values a new note starts with and the log rows to add (``{log id: [row, …]}``;
    each row is written as an entry of the note, like any other)."""

    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _text(found: AnyField | None, value: str | None) -> str | None:
    if not isinstance(found, ShortTextField | LongTextField) or not value or not value.strip():
        return None
    text = value.strip()
    if found.max_length is not None and len(text) > found.max_length:
        return None  # would be refused as typed; better left for the clinician
    return text


def _choice(found: AnyField | None, value: str | None) -> str | None:
    if isinstance(found, SingleChoiceField) and value in found.option_values():
        return value
    return None


def _session_number(found: AnyField | None, start: NoteStart) -> int | None:
    return start.earlier_of_phase + 1 if isinstance(found, IntegerField) else None


#: Plain fields and where their value comes from.
_FIELDS: Final[dict[str, Callable[[AnyField | None, NoteStart], Any]]] = {
    "session_number": _session_number,
    "planned_product": lambda f, s: _choice(f, s.planned_product),
    "planned_route_detail": lambda f, s: _text(f, s.planned_route_detail),
    "emergency_contact": lambda f, s: _text(f, s.emergency_contact),
    "medication_notes": lambda f, s: _text(f, s.medications),
}


def _author_row(log: LogField, author: Author) -> dict[str, Any]:
    row: dict[str, Any] = {"name": author.name.strip()}
    role = log.column("role")
    if author.role and (_choice(role, author.role) is not None or isinstance(role, ShortTextField)):
        row["role"] = author.role
    if author.credential.strip() and log.column("credential") is not None:
        row["credential"] = author.credential.strip()
    return row


def prefill(spec: TemplateSpec, start: NoteStart) -> Prefill:
    """The values and log rows a note of ``spec`` starts with (see the module docstring)."""
    fields = spec.field_map()
    values: dict[str, Any] = {}
    for field_id, source in _FIELDS.items():
        if field_id in fields and (value := source(fields[field_id], start)) is not None:
            values[field_id] = value
    rows: dict[str, list[dict[str, Any]]] = {}
    log = fields.get(CLINICIANS)
    if isinstance(log, LogField) and start.author is not None and start.author.name.strip():
        rows[CLINICIANS] = [_author_row(log, start.author)]
    return Prefill(values, rows)
