"""Client and course queries and changes, each recorded in the audit log.

Views receive a `ClientStore` and read plain `ClientSummary` / `ClientRecord`
objects from it; they never see a session or SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select

from kapnotes.domain.clients import ClientInput, CourseInput, folded
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.timeline import local_day, system_zone_name, zone_named
from kapnotes.store.audit import record
from kapnotes.store.models import Client, Clinician, Course, MeasureResult, Note, utcnow
from kapnotes.store.vault import OpenVault


@dataclass(frozen=True)
class ClientSummary:
    """One row of the client list, with what needs attention.

    ``open_flags``: measure results whose risk flags no clinician has acknowledged;
    ``drafts``: notes not yet signed; ``sessions_today``: notes dated today (the
    clinic's day).
    """

    id: str
    name: str
    preferred_name: str | None
    date_of_birth: date | None
    open_flags: int = 0
    drafts: int = 0
    sessions_today: int = 0


@dataclass(frozen=True)
class NoteSummary:
    """One note as listed on the client page."""

    id: str
    kind: Phase
    title: str
    session_date: date
    status: NoteStatus
    updated_at: datetime


@dataclass(frozen=True)
class CourseRecord:
    """A course with its notes, for the client page."""

    id: str
    start_date: date
    indication: str
    planned_product: str
    planned_route_detail: str | None
    status: str
    notes: tuple[NoteSummary, ...]


@dataclass(frozen=True)
class ClientRecord:
    """Everything the client page shows."""

    id: str
    data: ClientInput
    courses: tuple[CourseRecord, ...]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def client_input(client: Client) -> ClientInput:
    """A stored client as the input model the dialogs, import and templates read."""
    return ClientInput.model_construct(
        name=client.name,
        preferred_name=client.preferred_name,
        date_of_birth=client.date_of_birth,
        pronouns=client.pronouns,
        contact=client.contact,
        emergency_contact=client.emergency_contact,
        weight_kg=client.weight_kg,
        diagnoses=client.diagnoses,
        medications=client.medications,
        allergies=client.allergies,
    )


def _open_flags() -> Select[str, int]:
    """Per client: results with flags that no clinician has acknowledged."""
    return (
        select(MeasureResult.client_id, func.count().label("n"))
        .where(
            MeasureResult.acknowledged_at.is_(None),
            func.json_array_length(MeasureResult.flags) > 0,
        )
        .group_by(MeasureResult.client_id)
    )


def _notes_where(*conditions: ColumnElement[bool]) -> Select[str, int]:
    """Per client: notes that meet the conditions."""
    return (
        select(Course.client_id, func.count(Note.id).label("n"))
        .join(Note, Note.course_id == Course.id)
        .where(*conditions)
        .group_by(Course.client_id)
    )


class ClientStore:
    """Reads and writes clients and courses in an open vault."""

    def __init__(self, vault: OpenVault, zone_name: str | None = None) -> None:
        """``zone_name``: the clinic's time zone (IANA), whose calendar day is "today";
        default this computer's."""
        self._vault = vault
        self.zone_name = zone_named(zone_name or system_zone_name()).key

    def today(self) -> date:
        """The clinic's calendar day now."""
        return local_day(utcnow(), self.zone_name)

    @property
    def actor_id(self) -> str:
        """The clinician who unlocked the vault."""
        return self._vault.clinician_id

    def clinician_name(self) -> str:
        """Display name and credential of the clinician who unlocked the vault."""
        with self._vault.session() as session:
            clinician = session.get(Clinician, self.actor_id)
            if clinician is None:
                return ""
            return f"{clinician.name}, {clinician.credential}".strip(", ")

    def search(
        self, text: str = "", limit: int = 500, *, today: date | None = None
    ) -> list[ClientSummary]:
        """Clients whose name or preferred name contains every word typed, by name.

        Each row counts the client's open risk flags, draft notes and notes dated
        ``today`` (default: the clinic's day now), all in one query for the list.
        """
        day = today or self.today()
        flags = _open_flags().subquery()
        drafts = _notes_where(Note.status == NoteStatus.DRAFT.value).subquery()
        dated = _notes_where(Note.session_date == day).subquery()
        stmt = (
            select(
                Client.id,
                Client.name,
                Client.preferred_name,
                Client.date_of_birth,
                func.coalesce(flags.c.n, 0),
                func.coalesce(drafts.c.n, 0),
                func.coalesce(dated.c.n, 0),
            )
            .outerjoin(flags, flags.c.client_id == Client.id)
            .outerjoin(drafts, drafts.c.client_id == Client.id)
            .outerjoin(dated, dated.c.client_id == Client.id)
            .order_by(func.lower(Client.name))
            .limit(limit)
        )
        for word in folded(text).split():
            # case and accents folded in every script, as the note search does
            pattern = f"%{_escape_like(word)}%"
            stmt = stmt.where(Client.search_key.like(pattern, escape="\\"))
        with self._vault.session() as session:
            return [ClientSummary(*row) for row in session.execute(stmt)]

    def count(self) -> int:
        """How many clients the vault holds."""
        with self._vault.session() as session:
            return session.scalar(select(func.count()).select_from(Client)) or 0

    def get(self, client_id: str) -> ClientRecord:
        """A client with courses and notes; KeyError if there is none with this id."""
        with self._vault.session() as session:
            client = session.get(Client, client_id)
            if client is None:
                raise KeyError(client_id)
            # One narrow query for every note of the client: what the list shows, never
            # a note's values or template.
            listed = session.execute(
                select(
                    Note.course_id,
                    Note.id,
                    Note.kind,
                    Note.title,
                    Note.session_date,
                    Note.status,
                    Note.updated_at,
                )
                .join(Course, Note.course_id == Course.id)
                .where(Course.client_id == client_id)
                .order_by(Note.session_date, Note.created_at)
            ).all()
            by_course: dict[str, list[NoteSummary]] = {}
            for course_id, note_id, kind, title, day, status, updated in listed:
                by_course.setdefault(course_id, []).append(
                    NoteSummary(
                        note_id,
                        Phase(kind),
                        title or str(kind).title(),
                        day,
                        NoteStatus(status),
                        updated,
                    )
                )
            courses = tuple(
                CourseRecord(
                    id=c.id,
                    start_date=c.start_date,
                    indication=c.indication,
                    planned_product=c.planned_product,
                    planned_route_detail=c.planned_route_detail,
                    status=c.status,
                    notes=tuple(by_course.get(c.id, ())),
                )
                for c in sorted(client.courses, key=lambda c: c.start_date, reverse=True)
            )
            return ClientRecord(client.id, client_input(client), courses)

    def create(self, data: ClientInput) -> str:
        """Store a new client; returns its id."""
        with self._vault.session() as session:
            client = Client(**data.model_dump())
            session.add(client)
            session.flush()
            record(session, self.actor_id, "client.create", "client", client.id, {})
            return client.id

    def update(self, client_id: str, data: ClientInput) -> None:
        """Replace a client's details."""
        with self._vault.session() as session:
            client = session.get(Client, client_id)
            if client is None:
                raise KeyError(client_id)
            changed = sorted(k for k, v in data.model_dump().items() if getattr(client, k) != v)
            for key, value in data.model_dump().items():
                setattr(client, key, value)
            record(
                session, self.actor_id, "client.update", "client", client_id, {"fields": changed}
            )

    def add_course(self, client_id: str, data: CourseInput) -> str:
        """Start a course for a client; returns its id."""
        with self._vault.session() as session:
            if session.get(Client, client_id) is None:
                raise KeyError(client_id)
            course = Course(
                client_id=client_id,
                **data.model_dump(mode="json") | {"start_date": data.start_date},
            )
            session.add(course)
            session.flush()
            record(session, self.actor_id, "course.create", "course", course.id, {})
            return course.id

    def note_count(self, client_id: str) -> int:
        """How many notes a client has across courses."""
        with self._vault.session() as session:
            stmt = (
                select(func.count())
                .select_from(Note)
                .join(Course)
                .where(Course.client_id == client_id)
            )
            return session.scalar(stmt) or 0
