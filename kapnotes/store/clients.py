"""Client and course queries and changes, each recorded in the audit log.

Views receive a `ClientStore` and read plain `ClientSummary` / `ClientRecord`
objects from it; they never see a session or SQL.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import TextualSelect, func, select, text

from kapnotes.domain.clients import ClientInput, CourseInput, folded
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.timeline import local_day, system_zone_name, zone_named
from kapnotes.store.audit import record
from kapnotes.store.models import Client, Clinician, Course, Note, StoredId, utcnow
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


@functools.cache
def _search_sql(words: int) -> TextualSelect:
    """The client-list query for ``words`` words: each a LIKE on the folded name; the
    marks counted per listed client by indexed lookups (never a pass over every note).

    Built once per word count: typing in the search box runs it on every key.
    """
    where = " AND ".join(f"c.search_key LIKE :w{i} ESCAPE '\\'" for i in range(words))
    # Only generated placeholder names go into the SQL; every value is a bound parameter.
    marks = (
        "SELECT c.id, c.name, c.preferred_name, c.date_of_birth, "
        "(SELECT COUNT(*) FROM measure_result m WHERE m.client_id = c.id "
        " AND m.acknowledged_at IS NULL AND json_array_length(m.flags) > 0), "
        "(SELECT COUNT(*) FROM course k JOIN note n ON n.course_id = k.id "
        " WHERE k.client_id = c.id AND n.status = :draft), "
        "(SELECT COUNT(*) FROM course k JOIN note n ON n.course_id = k.id "
        " WHERE k.client_id = c.id AND n.session_date = :day) FROM client c"
    )
    filtered = f"{marks} WHERE {where}" if where else marks
    sql = f"{filtered} ORDER BY lower(c.name) LIMIT :limit"
    return text(sql).columns(id=StoredId())


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
        self,
        text: str = "",
        limit: int = 500,
        *,
        today: date | None = None,
        recorded: bool = True,
    ) -> list[ClientSummary]:
        """Clients whose name or preferred name contains every word typed, by name.

        Each row counts the client's open risk flags, draft notes and notes dated
        ``today`` (default: the clinic's day now), all in one query for the list.
        A search (words typed) is recorded in the audit trail, how many were found,
        never the words; ``recorded=False`` only to read again the badges of the
        rows a recorded search already listed (the same words): not a new search.
        """
        day = today or self.today()
        words = [f"%{_escape_like(word)}%" for word in folded(text).split()]
        params: dict[str, object] = {f"w{i}": word for i, word in enumerate(words)}
        params.update({"day": day.isoformat(), "draft": NoteStatus.DRAFT.value, "limit": limit})
        with self._vault.session() as session:
            rows = session.execute(_search_sql(len(words)), params).all()
            if words and recorded:  # a search, not the list: recorded (how many, never the words)
                record(
                    session, self.actor_id, "client.search", "client", None, {"results": len(rows)}
                )
        return [
            ClientSummary(
                row[0],
                row[1],
                row[2],
                date.fromisoformat(str(row[3])) if row[3] else None,
                row[4],
                row[5],
                row[6],
            )
            for row in rows
        ]

    def count(self) -> int:
        """How many clients the vault holds."""
        with self._vault.session() as session:
            return session.scalar(select(func.count()).select_from(Client)) or 0

    def get(self, client_id: str, *, opening: bool = True) -> ClientRecord:
        """A client with courses and notes; KeyError if there is none with this id.

        Opening a client is recorded in the audit trail (who, which client, when);
        ``opening=False`` for a read that is part of something recorded on its own
        (printing a report records its print or export) and must write nothing."""
        with self._vault.session() as session:
            client = session.get(Client, client_id)
            if client is None:
                raise KeyError(client_id)
            if opening:
                record(session, self.actor_id, "client.open", "client", client_id, {})
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
