"""`NoteDraft`: a note being written in the editor, saved on the session's one timeline.

What the editor saves goes through here: the template's computed fields are
filled in, every clock time gets (or keeps) its instant and every T+ is
recomputed from the instants (:func:`~kapnotes.domain.note_times.place_times`),
and the values, their log entries and the note's measure results are written in
ONE transaction: all of it is stored, or none.

A row added in the editor is stamped with the real instant it was added (a note
reopened the next day stamps the next day's time, and its T+ counts from the
first dose across midnight), so the editor and the live view agree on every T+.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kapnotes.domain.instruments import LoadedInstruments
from kapnotes.domain.note_times import MAIN_TIME, NoteTimes, place_times
from kapnotes.domain.templates import LogField, TemplateSpec, compute_values
from kapnotes.domain.templates.model import parse_time
from kapnotes.domain.timeline import INSTANTS_KEY, SessionTimeline, as_utc, to_iso
from kapnotes.session.measures import sync_note_measures
from kapnotes.store.faults import not_saved
from kapnotes.store.measures import MeasureStore
from kapnotes.store.notes import (
    EVENT_KEY,
    NewEntry,
    NoteRecord,
    NoteStore,
    event_data,
    new_entry_id,
)


@dataclass(frozen=True, slots=True)
class Saved:
    """What a save wrote: the values as stored, and how many measure results changed."""

    values: dict[str, Any]
    measures_changed: int


class NoteDraft:
    """The session-layer side of one note window (see the module docstring)."""

    def __init__(
        self,
        notes: NoteStore,
        note: NoteRecord,
        spec: TemplateSpec,
        *,
        measures: MeasureStore | None = None,
        instruments: LoadedInstruments | None = None,
    ) -> None:
        self.notes = notes
        self.note = note
        self.spec = spec
        self.measures = measures
        self.instruments = instruments
        self.timeline = SessionTimeline.of(note.time_zone, note.session_date)

    def why_not_saved(self, error: BaseException) -> str:
        """What the editor says when a save failed: the cause (disk full, read-only, damaged)
        and what to do; what was typed stays on screen and is saved with the next change."""
        return not_saved(
            error,
            self.notes.folder,
            kept="What you typed stays here",
            then="keep working: the next change saves it all",
        )

    def why_not_signed(self, error: BaseException) -> str:
        """What the editor says when signing failed for a cause outside the note."""
        return not_saved(error, self.notes.folder, what="Not signed", then="sign again")

    def prepare(
        self, values: Mapping[str, Any], context: Mapping[str, Any] | None = None
    ) -> tuple[dict[str, Any], NoteTimes]:
        """The values as they would be saved: computed fields filled in, clock times placed
        on the timeline, T+ recomputed; and the note's times."""
        computed = compute_values(self.spec, values, context)
        return place_times(self.spec, computed, self.timeline)

    def time_problem(self, text: object) -> str | None:
        """Why a clock time typed for this note cannot be placed on its day (the spring
        change skipped it), or None."""
        parsed = parse_time(text)
        if parsed is None or self.timeline.wall_instants(parsed, self.timeline.day):
            return None
        return (
            f"{parsed:%H:%M} does not exist on {self.timeline.day:%d %b %Y} in "
            f"{self.timeline.zone_name}: the clocks went forward; type the time as the "
            "clock showed it"
        )

    def stamp(
        self, log: LogField, values: Mapping[str, Any], now: datetime
    ) -> tuple[dict[str, Any], NewEntry]:
        """A new row of ``log`` stamped at the instant ``now`` (its clock time and instant),
        with the entry that records it; T+ is filled in when the values are prepared."""
        at = as_utc(now)
        row: dict[str, Any] = {}
        if log.column(MAIN_TIME) is not None:
            row[MAIN_TIME] = self.timeline.hhmm(at)
            row[INSTANTS_KEY] = {MAIN_TIME: to_iso(at)}
        _placed, times = self.prepare(values)
        offset = None if times.t0 is None else int((at - times.t0).total_seconds())
        entry = NewEntry(new_entry_id(), log.id, event_data(row), at, offset)
        return {**row, EVENT_KEY: entry.id}, entry

    def save(
        self,
        values: Mapping[str, Any],
        *,
        context: Mapping[str, Any] | None = None,
        new_entries: Sequence[NewEntry] = (),
        corrections: Mapping[str, dict[str, Any]] | None = None,
        fills: Mapping[str, dict[str, Any]] | None = None,
        prepared: bool = False,
    ) -> Saved:
        """Write the prepared values, their entries and the note's measures in one transaction.

        ``prepared``: the values already come from :meth:`prepare`. Raises what the
        store raises (``SignedNoteError`` for a signed note, a database error when
        the vault refuses); then nothing was written.
        """
        placed = dict(values) if prepared else self.prepare(values, context)[0]
        with self.notes.transaction():
            self.notes.save_values(
                self.note.id, placed, new_entries=new_entries, corrections=corrections, fills=fills
            )
            changed = 0
            if self.measures is not None and self.instruments is not None:
                changed = sync_note_measures(
                    self.measures, self.instruments, self.note, placed, context
                )
        return Saved(placed, changed)
