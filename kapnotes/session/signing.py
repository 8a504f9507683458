"""What the editor checks and says before a note is signed (Qt-free).

The note store refuses to sign an incomplete note or one whose times do not add
up (:meth:`~kapnotes.store.notes.NoteStore.sign`); the editor asks the same
rules first so it can point at the field before any confirmation:

* :func:`time_problems` - the intervals whose end is not after their start, each
  with the message shown and the field to focus;
* :func:`open_risk_flags` - the client's risk flags no clinician has acknowledged
  yet (e.g. a PHQ-9 item 9 answered above 0), named in the confirmation so that
  nobody signs past one without seeing it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kapnotes.domain.instruments import LoadedInstruments
from kapnotes.domain.note_times import NoteTimes
from kapnotes.domain.templates import TemplateSpec
from kapnotes.domain.time_order import time_conflicts
from kapnotes.store.measures import MeasureRecord, MeasureStore


@dataclass(frozen=True, slots=True)
class TimeProblem:
    """An interval that does not add up: the ``message`` shown and the ``field_label`` of
    the field (or log) to take the clinician to."""

    message: str
    field_label: str


def time_problems(spec: TemplateSpec, times: NoteTimes) -> list[TimeProblem]:
    """The note's intervals whose end is not after their start (see
    :mod:`kapnotes.domain.time_order`), as the store words them when it refuses."""
    return [
        TimeProblem(conflict.message(times.timeline.clock), conflict.field_label)
        for conflict in time_conflicts(spec, times)
    ]


def _flag_line(record: MeasureRecord, instruments: LoadedInstruments | None) -> str:
    spec = instruments.get(record.instrument_id) if instruments is not None else None
    name = spec.short_name if spec is not None else record.instrument_id.upper()
    flags = "; ".join(str(f.get("label") or f.get("id") or "risk flag") for f in record.open_flags)
    return f"{name} of {record.day.day} {record.day:%b %Y}: {flags}"


def open_risk_flags(
    measures: MeasureStore | None, client_id: str, instruments: LoadedInstruments | None = None
) -> list[str]:
    """The client's unacknowledged risk flags, oldest first, one line each:
    ``"PHQ-9 of 12 Sep 2026: Suicide-risk flag: item 9 answered above 0"``.

    Empty without a measure store (nothing to read) or when every flag is acknowledged.
    """
    if measures is None:
        return []
    return [_flag_line(record, instruments) for record in measures.open_risk_flags(client_id)]
