"""Outcome-measure results: record (scored by the instrument's own rules), list, acknowledge risk.

A result administered inside a note is kept with the note's id and replaced
when the note's answers change; one given on its own from the client page has
no note. Every result belongs to a course of the client: a note's result to the
note's course, one given on its own to the course chosen, or by default the
course whose days contain it (:func:`kapnotes.domain.clients.course_for_day`).
A raised risk flag (e.g. PHQ-9 item 9 above 0) stays open until a clinician
acknowledges it with a note of what was done; the record then says who, when
and what.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kapnotes.domain.clients import CourseSpan, course_for_day, course_span
from kapnotes.domain.instruments import InstrumentSpec, score
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.timeline import day_instant, local_day, system_zone_name, zone_named
from kapnotes.store.audit import record
from kapnotes.store.models import Client, Clinician, Course, MeasureResult, Note, utcnow
from kapnotes.store.notes import SignedNoteError
from kapnotes.store.vault import OpenVault

SIGNED_MEASURES = "The measures of a signed note are part of it and cannot be changed or removed."


def _refuse_if_signed(session: Session, note_id: str | None) -> None:
    """A signed note's measure results are as immutable as the note (SignedNoteError)."""
    if note_id is None:
        return
    note = session.get(Note, note_id)
    if note is not None and note.status == NoteStatus.SIGNED.value:
        raise SignedNoteError(SIGNED_MEASURES)


@dataclass(frozen=True)
class MeasureRecord:
    """One administration as the client page and reports show it."""

    id: str
    client_id: str
    note_id: str | None
    course_id: str | None
    instrument_id: str
    instrument_version: int
    answers: dict[str, Any]
    total: float | None
    band: str | None
    flags: tuple[dict[str, Any], ...]
    administered_at: datetime
    acknowledged_at: datetime | None
    acknowledgement: str | None
    day: date  # the clinic's calendar date of administered_at (its zone, not UTC)
    acknowledged_by: str | None = None  # "Dr Ada Quill, PsyD": who acknowledged the flags

    @property
    def complete(self) -> bool:
        """Whether the form was complete, hence scored."""
        return self.total is not None

    @property
    def open_flags(self) -> tuple[dict[str, Any], ...]:
        """Flags not yet acknowledged by a clinician."""
        return () if self.acknowledged_at is not None else self.flags

    @property
    def flag_labels(self) -> str:
        """The flags' labels, ``"; "``-separated (empty when none was raised)."""
        return "; ".join(str(f.get("label", f.get("id", "flag"))) for f in self.flags)


@dataclass(frozen=True)
class MeasureCourse:
    """A course as the measures views need it: its span, product and dosing days."""

    id: str
    start: date
    end: date | None  # the span's last day; None while the course is open
    planned_product: str
    status: str
    dosing_dates: tuple[date, ...]

    @property
    def span(self) -> CourseSpan:
        """The days the course covers."""
        return CourseSpan(self.id, self.start, self.end)


def _clinician_name(clinician: Clinician | None) -> str | None:
    if clinician is None:
        return None
    return f"{clinician.name}, {clinician.credential}".strip(", ")


def _record_of(
    row: MeasureResult, zone_name: str, acknowledged_by: Clinician | None = None
) -> MeasureRecord:
    return MeasureRecord(
        id=row.id,
        client_id=row.client_id,
        note_id=row.note_id,
        course_id=row.course_id,
        instrument_id=row.instrument_id,
        instrument_version=row.instrument_version,
        answers=dict(row.answers),
        total=row.total,
        band=row.band,
        flags=tuple(dict(f) for f in row.flags),
        administered_at=row.administered_at,
        acknowledged_at=row.acknowledged_at,
        acknowledgement=row.acknowledgement,
        day=local_day(row.administered_at, zone_name),
        acknowledged_by=_clinician_name(acknowledged_by),
    )


def _courses(session: Session, client_id: str) -> list[MeasureCourse]:
    """A client's courses with their spans and dosing days, newest first."""
    courses = session.scalars(select(Course).where(Course.client_id == client_id)).all()
    out: list[MeasureCourse] = []
    for course in courses:
        days = [n.session_date for n in course.notes]
        dosing = tuple(sorted(n.session_date for n in course.notes if n.kind == Phase.DOSING))
        span = course_span(course.id, course.start_date, course.status, max(days, default=None))
        out.append(
            MeasureCourse(
                course.id, span.start, span.end, course.planned_product, course.status, dosing
            )
        )
    return sorted(out, key=lambda c: (c.start, c.id), reverse=True)


def place_in_courses(
    session: Session, measure_ids: Sequence[str], zone_name: str | None = None
) -> int:
    """Give results without a course theirs: a note's result the note's course, others the
    course whose days contain them (else the client's latest). Returns how many moved.

    Used for records written before measures had courses (an older interchange file);
    days are read in ``zone_name`` (default this computer's zone).
    """
    zone = zone_named(zone_name or system_zone_name()).key
    spans: dict[str, list[CourseSpan]] = {}
    placed = 0
    for measure_id in measure_ids:
        row = session.get(MeasureResult, measure_id)
        if row is None or row.course_id is not None:
            continue
        if row.note_id is not None:
            note = session.get(Note, row.note_id)
            row.course_id = note.course_id if note is not None else None
        if row.course_id is None:
            if row.client_id not in spans:
                spans[row.client_id] = [c.span for c in _courses(session, row.client_id)]
            day = local_day(row.administered_at, zone)
            row.course_id = course_for_day(spans[row.client_id], day)
        placed += row.course_id is not None
    session.flush()
    return placed


class MeasureStore:
    """Reads and writes measure results in an open vault."""

    def __init__(self, vault: OpenVault, zone_name: str | None = None) -> None:
        """``zone_name``: the clinic's time zone (IANA), in which dates are read; default
        this computer's."""
        self._vault = vault
        self.zone_name = zone_named(zone_name or system_zone_name()).key

    def instant_for(self, day: date, now: datetime | None = None) -> datetime:
        """What to store for a form given on the clinic's ``day`` (see ``day_instant``)."""
        return day_instant(day, self.zone_name, now)

    def save(
        self,
        client_id: str,
        spec: InstrumentSpec,
        answers: Mapping[str, int | None],
        *,
        note_id: str | None = None,
        course_id: str | None = None,
        administered_at: datetime | None = None,
    ) -> MeasureRecord:
        """Score and store answers; a note's earlier result for this instrument is replaced.

        The result belongs to ``course_id``, which must be the client's (and the
        note's course when ``note_id`` is given); without one, to the note's course,
        else the course whose days contain the administration (:meth:`course_for`).
        Raises KeyError for an unknown client or note, ValueError for a course that is
        not the client's or not the note's, SignedNoteError for a signed note (its
        results are part of it).
        """
        result = score(spec, answers)
        flags = [{"id": f.id, "label": f.label} for f in result.flags]
        with self._vault.session() as session:
            if session.get(Client, client_id) is None:
                raise KeyError(client_id)
            _refuse_if_signed(session, note_id)
            course_id = self._course_of(
                session, client_id, note_id, course_id, administered_at or utcnow()
            )
            row: MeasureResult | None = None
            if note_id is not None:
                row = session.scalars(
                    select(MeasureResult).where(
                        MeasureResult.note_id == note_id,
                        MeasureResult.instrument_id == spec.id,
                    )
                ).first()
            given = {k: v for k, v in answers.items() if v is not None}
            if (
                row is not None
                and row.answers == given
                and row.instrument_version == spec.version
                and row.course_id == course_id
                and (administered_at is None or row.administered_at == administered_at)
            ):
                return _record_of(
                    row, self.zone_name
                )  # unchanged (e.g. another autosave): nothing to write
            if row is None:
                row = MeasureResult(client_id=client_id, note_id=note_id, instrument_id=spec.id)
                session.add(row)
            row.instrument_version = spec.version
            row.course_id = course_id
            row.answers = given
            row.total = result.total
            row.band = result.band
            if flags != row.flags:
                row.acknowledged_at = None
                row.acknowledged_by_id = None
                row.acknowledgement = None
            row.flags = flags
            row.administered_at = administered_at or row.administered_at or utcnow()
            session.flush()
            record(
                session,
                self._vault.clinician_id,
                "measure.save",
                "measure_result",
                row.id,
                {"instrument": spec.id, "flags": [f["id"] for f in flags]},
            )
            return _record_of(row, self.zone_name)

    def _course_of(
        self,
        session: Session,
        client_id: str,
        note_id: str | None,
        course_id: str | None,
        when: datetime,
    ) -> str | None:
        """The course a result belongs to (see :meth:`save`)."""
        if note_id is not None:
            note = session.get(Note, note_id)
            if note is None:
                raise KeyError(note_id)
            if note.course.client_id != client_id:
                raise ValueError("That note belongs to another client.")
            if course_id is not None and course_id != note.course_id:
                raise ValueError("A measure given in a note belongs to the note's course.")
            return note.course_id
        if course_id is not None:
            course = session.get(Course, course_id)
            if course is None or course.client_id != client_id:
                raise ValueError("That course is not one of this client's courses.")
            return course_id
        spans = [c.span for c in _courses(session, client_id)]
        return course_for_day(spans, local_day(when, self.zone_name))

    def courses(self, client_id: str) -> list[MeasureCourse]:
        """The client's courses, newest first, with their spans and dosing days."""
        with self._vault.session() as session:
            return _courses(session, client_id)

    def course_for(self, client_id: str, day: date) -> str | None:
        """The course a measure given on the clinic's ``day`` belongs to by default."""
        return course_for_day([c.span for c in self.courses(client_id)], day)

    def remove_for_note(self, note_id: str, instrument_id: str) -> bool:
        """Drop a note's result for an instrument whose answers were cleared; True if one was.

        SignedNoteError for a signed note (its results are part of it)."""
        with self._vault.session() as session:
            _refuse_if_signed(session, note_id)
            row = session.scalars(
                select(MeasureResult).where(
                    MeasureResult.note_id == note_id, MeasureResult.instrument_id == instrument_id
                )
            ).first()
            if row is None:
                return False
            session.delete(row)
            record(
                session,
                self._vault.clinician_id,
                "measure.remove",
                "measure_result",
                row.id,
                {"instrument": instrument_id},
            )
            return True

    def _records(self, stmt: Any) -> list[MeasureRecord]:
        stmt = stmt.outerjoin(Clinician, Clinician.id == MeasureResult.acknowledged_by_id)
        with self._vault.session() as session:
            rows = [_record_of(row, self.zone_name, who) for row, who in session.execute(stmt)]
        # Time, then id as text, sorted here: SQLite would put an imported id kept as
        # text before ids stored as bytes.
        return sorted(rows, key=lambda r: (r.administered_at, r.id))

    def for_client(self, client_id: str, instrument_id: str | None = None) -> list[MeasureRecord]:
        """A client's results, oldest first."""
        stmt = select(MeasureResult, Clinician).where(MeasureResult.client_id == client_id)
        if instrument_id is not None:
            stmt = stmt.where(MeasureResult.instrument_id == instrument_id)
        return self._records(stmt)

    def for_note(self, note_id: str) -> list[MeasureRecord]:
        """Results administered inside one note."""
        stmt = select(MeasureResult, Clinician).where(MeasureResult.note_id == note_id)
        return self._records(stmt)

    def open_risk_flags(self, client_id: str) -> list[MeasureRecord]:
        """Results whose flags no clinician has acknowledged yet."""
        return [m for m in self.for_client(client_id) if m.open_flags]

    def acknowledge(self, measure_id: str, note: str) -> MeasureRecord:
        """A clinician has seen the flag and says what was done; returns the result as now.

        Raises ValueError for an empty note, a result without flags, or flags someone
        already acknowledged (the first acknowledgement stands); KeyError for an
        unknown result.
        """
        if not note.strip():
            raise ValueError("Say what was done about the flag (e.g. safety plan reviewed).")
        with self._vault.session() as session:
            row = session.get(MeasureResult, measure_id)
            if row is None:
                raise KeyError(measure_id)
            if not row.flags:
                raise ValueError("This result raised no flag to acknowledge.")
            if row.acknowledged_at is not None:
                who = _clinician_name(session.get(Clinician, row.acknowledged_by_id or ""))
                raise ValueError(f"This flag was already acknowledged by {who or 'a clinician'}.")
            row.acknowledged_at = utcnow()
            row.acknowledged_by_id = self._vault.clinician_id
            row.acknowledgement = note.strip()
            record(
                session,
                self._vault.clinician_id,
                "measure.acknowledge",
                "measure_result",
                measure_id,
                {},
            )
            session.flush()
            return _record_of(row, self.zone_name, session.get(Clinician, row.acknowledged_by_id))

    def series(self, client_id: str, instrument_id: str) -> list[tuple[date, int]]:
        """Scored totals by date, for a trend (incomplete forms are left out)."""
        return [
            (m.day, int(m.total))
            for m in self.for_client(client_id, instrument_id)
            if m.total is not None
        ]

    def dosing_dates(self, client_id: str, course_id: str | None = None) -> list[date]:
        """Dates of the client's dosing sessions (of one course if given), for trend charts."""
        stmt = (
            select(Note.session_date)
            .join(Course)
            .where(Course.client_id == client_id, Note.kind == Phase.DOSING.value)
            .order_by(Note.session_date)
        )
        if course_id is not None:
            stmt = stmt.where(Course.id == course_id)
        with self._vault.session() as session:
            return list(session.scalars(stmt))
