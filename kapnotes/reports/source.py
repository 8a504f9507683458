"""What reports read from the vault: notes with their template, client, course and session.

Only reads: the stores' read models (``NoteStore.get``, ``ClientStore.get``,
``MeasureStore.for_client``) and, for a dosing note, the session layer's
read-only :class:`~kapnotes.session.readout.SessionReadout`. Building a report
of a signed note (or of a draft) writes nothing to the vault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from kapnotes.domain.clients import Product
from kapnotes.domain.instruments import LoadedInstruments
from kapnotes.domain.note_times import read_times
from kapnotes.domain.notes import PHASE_LABELS, Phase
from kapnotes.domain.session import ClinicSettings
from kapnotes.domain.templates import (
    LogField,
    NoteLinkField,
    TemplateSpec,
    compute_values,
    recorded_layout,
)
from kapnotes.domain.timeline import SessionTimeline
from kapnotes.reports.note import NoteView
from kapnotes.reports.words import day_text
from kapnotes.session.printing import ReportError
from kapnotes.session.readout import SessionReadout
from kapnotes.session.record import SessionClient
from kapnotes.store.clients import ClientRecord, ClientStore, CourseRecord
from kapnotes.store.measures import MeasureRecord, MeasureStore
from kapnotes.store.notes import NoteRecord, NoteStore
from kapnotes.store.vault import OpenVault


@dataclass(frozen=True)
class CourseView:
    """One course of a client, for its report: the notes in date order and its measures."""

    client: ClientRecord
    course: CourseRecord
    notes: tuple[NoteView, ...]
    measures: tuple[MeasureRecord, ...]


class ReportSource:
    """Reads the notes, clients, courses and measures reports print (never writes)."""

    def __init__(
        self,
        vault: OpenVault,
        settings: ClinicSettings,
        instruments: LoadedInstruments,
        now: datetime,
    ) -> None:
        zone = settings.zone_name()
        self.settings = settings
        self.instruments = instruments
        self.now = now
        self.notes = NoteStore(vault)
        self.clients = ClientStore(vault, zone)
        self.measures = MeasureStore(vault, zone)

    def clinician(self) -> str:
        """Name and credential of who is printing (the clinician who unlocked the vault)."""
        return self.clients.clinician_name()

    def client(self, client_id: str) -> ClientRecord:
        """A client with courses; ReportError when there is none with this id."""
        try:
            return self.clients.get(client_id, opening=False)  # the print is recorded
        except KeyError:
            raise ReportError(f"there is no client with id {client_id}") from None

    def note(self, note_id: str, client: ClientRecord | None = None) -> NoteView:
        """One note read for printing; ReportError for an unknown id or an unreadable template."""
        try:
            note = self.notes.get(note_id)
        except KeyError:
            raise ReportError(f"there is no note with id {note_id}") from None
        try:
            spec = TemplateSpec.model_validate(note.template_snapshot)
        except ValidationError:
            raise ReportError(
                f"note {note_id}: its template ('{note.template_id}' version "
                f"{note.template_version}) cannot be read, so it cannot be printed"
            ) from None
        owner = client if client is not None and client.id == note.client_id else None
        owner = owner or self.client(note.client_id)
        course = next(c for c in owner.courses if c.id == note.course_id)
        readout = self._readout(note, spec, owner, course)
        context = readout.record.context() if readout else self.notes.template_context(note_id)
        values = compute_values(spec, note.values, context)
        layout = recorded_layout(note.values) or self.settings.note_format
        if readout is not None:
            times = readout.record.times()
        else:
            timeline = SessionTimeline.of(note.time_zone, note.session_date)
            times = read_times(spec, note.values, timeline)
        return NoteView(
            note=note,
            spec=spec,
            client_id=owner.id,
            client=owner.data,
            course=course,
            values=values,
            context=context,
            layout=layout,
            times=times,
            settings=self.settings,
            instruments=self.instruments,
            readout=readout,
            linked=self._linked(spec, note.values),
        )

    def _readout(
        self, note: NoteRecord, spec: TemplateSpec, client: ClientRecord, course: CourseRecord
    ) -> SessionReadout | None:
        """The live session's view of a dosing note with a vitals log (None otherwise)."""
        has_vitals = any(isinstance(f, LogField) and f.type == "vitals_log" for f in spec.fields())
        if note.kind != Phase.DOSING or not has_vitals:
            return None
        product = _product(note.values.get("planned_product")) or _product(course.planned_product)
        if product is None:
            return None
        data = client.data
        person = SessionClient(data.name, data.weight_kg, data.allergies)
        return SessionReadout(
            self.notes, note.id, person, product, self.settings, self.now, note=note
        )

    def _linked(self, spec: TemplateSpec, values: dict[str, Any]) -> dict[str, str]:
        """What each note link points to: ``Dosing session · 2 Mar 2026 (signed)``."""
        out: dict[str, str] = {}
        for field in spec.fields():
            if not isinstance(field, NoteLinkField):
                continue
            other_id = values.get(field.id)
            if not isinstance(other_id, str) or other_id in out:
                continue
            try:
                other = self.notes.get(other_id)
            except KeyError:
                continue
            title = str(other.template_snapshot.get("title") or PHASE_LABELS[other.kind])
            status = "signed" if other.is_signed else "draft"
            out[other_id] = f"{title} · {day_text(other.session_date)} ({status})"
        return out

    def course(self, client: ClientRecord, course: CourseRecord) -> CourseView:
        """A course's notes (oldest session first) and measures, for its report."""
        notes = tuple(
            self.note(note_id, client) for note_id in self.notes.notes_for_course(course.id)
        )
        measures = tuple(m for m in self.measures.for_client(client.id) if m.course_id == course.id)
        return CourseView(client, course, notes, measures)

    def courses(self, client_id: str, course_id: str | None) -> Sequence[CourseView]:
        """One course of a client (``course_id``), or all of them oldest first; ReportError for
        an unknown client or a course that is not theirs."""
        client = self.client(client_id)
        if course_id is not None:
            chosen = [c for c in client.courses if c.id == course_id]
            if not chosen:
                raise ReportError(f"client {client_id} has no course with id {course_id}")
        else:
            chosen = sorted(client.courses, key=lambda c: (c.start_date, c.id))
            if not chosen:
                raise ReportError(f"client {client_id} has no course to report on yet")
        return [self.course(client, course) for course in chosen]


def _product(value: Any) -> Product | None:
    try:
        return Product(str(value)) if value else None
    except ValueError:
        return None
