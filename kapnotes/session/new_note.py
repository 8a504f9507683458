"""Starting a note: created from its template with what is already known filled in.

:func:`start_note` asks the store what a new note of the course can start from
(:meth:`~kapnotes.store.notes.NoteStore.note_start`), applies the domain rule
(:func:`~kapnotes.domain.prefill.prefill`) and creates the note in one
transaction: its starting values, and each prefilled log row (the signed-in
clinician in "Clinicians present") written as an entry, as every log row is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from kapnotes.domain.notes import Phase
from kapnotes.domain.prefill import prefill
from kapnotes.domain.session.checklists import with_clinic_checklists
from kapnotes.domain.session.settings import SETTINGS_KEY, ClinicSettings
from kapnotes.domain.templates import TemplateSpec
from kapnotes.store.notes import EVENT_KEY, NewEntry, NoteStore, event_data, new_entry_id


def _utc_now() -> datetime:
    return datetime.now(UTC)


def start_note(
    notes: NoteStore,
    course_id: str,
    spec: TemplateSpec,
    session_date: date,
    *,
    values: Mapping[str, Any] | None = None,
    time_zone: str | None = None,
    settings: ClinicSettings | None = None,
    now: Callable[[], datetime] = _utc_now,
) -> str:
    """Create a draft note of ``spec`` in the course, prefilled; returns its id.

    ``values`` (e.g. the progress-note layout) win over what is prefilled;
    ``time_zone`` is the clinic's (IANA name). With the clinic's ``settings`` a
    dosing note is started under them: its template takes the clinic's pre-dose
    and discharge checklists (:func:`with_clinic_checklists`) and the note keeps
    the session settings (alert rules, limits, dose ranges…) from now on, so a
    later change of the settings leaves it as it was written. Raises what
    :meth:`NoteStore.create` raises (KeyError for an unknown course); then
    nothing was written.
    """
    if settings is not None and spec.phase is Phase.DOSING:
        spec = with_clinic_checklists(spec, settings)
        values = {SETTINGS_KEY: settings.session_part(), **(values or {})}
    start = notes.note_start(course_id, spec.phase)
    filled = prefill(spec, start)
    initial: dict[str, Any] = {**filled.values, **(values or {})}
    entries: list[NewEntry] = []
    at = now()
    for log_id, rows in filled.rows.items():
        if log_id in initial:
            continue  # given by the caller
        stored: list[dict[str, Any]] = []
        for row in rows:
            entry = NewEntry(new_entry_id(), log_id, event_data(row), at)
            entries.append(entry)
            stored.append({**row, EVENT_KEY: entry.id})
        initial[log_id] = stored
    with notes.transaction():
        note_id = notes.create(
            course_id, spec.phase, spec.snapshot(), session_date, initial, time_zone=time_zone
        )
        if entries:
            notes.save_values(note_id, initial, new_entries=entries)
    return note_id
