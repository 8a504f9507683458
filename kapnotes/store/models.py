"""SQLAlchemy 2 models of the vault: clinicians, clients, courses, notes and their history.

All ids are UUID strings so they survive export -> import unchanged (stored as their
16 bytes, :class:`StoredId`). Times are stored as timezone-aware UTC.
"""

from __future__ import annotations

import json
import re
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.types import TypeDecorator

from kapnotes.domain.canonical import content_hash
from kapnotes.domain.clients import client_search_key
from kapnotes.domain.notes import NoteStatus


def new_id() -> str:
    """A fresh random identifier."""
    return str(uuid.uuid4())


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


#: Where the stored instants count from: 1970-01-01 00:00 UTC.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def utc_micros(value: datetime | None) -> int | None:
    """An aware instant as stored: whole microseconds since :data:`EPOCH` (exact, an
    8-byte integer where the text form took 26 bytes). ``ValueError`` for a naive one."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the vault; use an aware datetime")
    return (value - EPOCH) // _MICROSECOND


def from_stored_instant(stored: Any) -> datetime | None:
    """An instant as read back, aware UTC: microseconds since :data:`EPOCH`, or the
    text SQLite's datetime type wrote before migration 0010 (``2026-11-29 10:05:00.000000``,
    UTC), read as it is."""
    if stored is None:
        return None
    if isinstance(stored, int):
        return EPOCH + stored * _MICROSECOND
    return datetime.fromisoformat(str(stored)).replace(tzinfo=UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as UTC microseconds since 1970 (:func:`utc_micros`); read
    back aware. Declared ``DATETIME`` as before (the schema is unchanged; SQLite keeps the
    integer as an integer), so rows written as text before migration 0010 read too."""

    impl = DateTime
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], int | None]:
        return utc_micros

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return from_stored_instant


def pack_json(value: Any) -> bytes | None:
    """A JSON value as stored in a packed column: compact JSON, zlib-compressed (level 6).

    A note's values are mostly repeated keys and clock times: about a third of the
    bytes (a vault of years: 58 MB of values become 18 MB).
    """
    if value is None:
        return None
    return zlib.compress(json.dumps(value, separators=(",", ":")).encode(), 6)


def unpack_json(stored: Any) -> Any:
    """A packed column's value: compressed bytes (:func:`pack_json`), or plain JSON text
    (rows written before packing, read as they are)."""
    if stored is None:
        return None
    if isinstance(stored, bytes | bytearray | memoryview):
        return json.loads(zlib.decompress(bytes(stored)))
    return json.loads(stored)


class PackedJSON(TypeDecorator[dict[str, Any]]):
    """JSON kept zlib-compressed (declared JSON, stored as a BLOB); reads plain JSON too."""

    impl = JSON
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], bytes | None]:
        return pack_json

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return unpack_json


#: An id as kapnotes makes them (:func:`new_id`): a UUID in its canonical lower-case text.
CANONICAL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: The same as a SQLite GLOB pattern (case-sensitive, as the regular expression).
CANONICAL_ID_GLOB = "-".join("[0-9a-f]" * n for n in (8, 4, 4, 4, 12))


def stored_id(value: str | None) -> bytes | str | None:
    """An id as stored: a canonical UUID string (``8-4-4-4-12`` lower-case hex, what
    :func:`new_id` makes) as its 16 bytes (36 characters of text before migration 0012);
    any other string as it is, so that it reads back exactly as given."""
    if isinstance(value, str) and CANONICAL_ID.fullmatch(value):
        return bytes.fromhex(value.replace("-", ""))
    return value


def id_from_stored(stored: Any) -> str | None:
    """An id as read back: 16 stored bytes as the canonical UUID string; text as it is
    (other bytes, only in a damaged vault, as hex)."""
    if isinstance(stored, bytes):
        h = stored.hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" if len(h) == 32 else h
    return None if stored is None else str(stored)


class StoredId(TypeDecorator[str]):
    """Ids as :func:`stored_id` stores them (16 bytes where the text took 36; with their
    indexes, about 16 MB of a vault of 200,000 session entries). Declared ``VARCHAR(36)``
    as before: SQLite keeps a BLOB as a BLOB, so rows written as text before migration
    0012 read too. The bytes sort as their text did; SQLite sorts an id kept as text
    before every id stored as bytes (the interchange export sorts in Python)."""

    impl = String(36)
    cache_ok = True

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], Any]:
        return stored_id

    def result_processor(self, dialect: Dialect, coltype: object) -> Callable[[Any], Any]:
        return id_from_stored


class Base(DeclarativeBase):
    """Declarative base of every vault table."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}  # noqa: RUF012


class Clinician(Base):
    """A person who writes and signs notes; each holds a passphrase wrap of the data key."""

    __tablename__ = "clinician"

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    credential: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30), default="therapist")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Client(Base):
    """A person in care."""

    __tablename__ = "client"

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    preferred_name: Mapped[str | None] = mapped_column(String(200))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    pronouns: Mapped[str | None] = mapped_column(String(50))
    contact: Mapped[str | None] = mapped_column(Text)
    emergency_contact: Mapped[str | None] = mapped_column(Text)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    diagnoses: Mapped[str | None] = mapped_column(Text)
    medications: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None] = mapped_column(Text)
    # Name and preferred name folded (case and accents, every script) for search.
    search_key: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    courses: Mapped[list[Course]] = relationship(
        back_populates="client", order_by="Course.start_date", cascade="all, delete-orphan"
    )
    measures: Mapped[list[MeasureResult]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )


@event.listens_for(Client, "before_insert")
@event.listens_for(Client, "before_update")
def _fold_for_search(_mapper: object, _connection: object, client: Client) -> None:
    """However a client is written (the form, import, the demo), search finds them."""
    client.search_key = client_search_key(client.name, client.preferred_name)


class Course(Base):
    """A course of KAP: preparation, dosing and integration sessions for one indication."""

    __tablename__ = "course"

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(
        StoredId(), ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    start_date: Mapped[date] = mapped_column(Date)
    indication: Mapped[str] = mapped_column(String(500))
    planned_product: Mapped[str] = mapped_column(String(40))
    planned_route_detail: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="courses")
    notes: Mapped[list[Note]] = relationship(
        back_populates="course", order_by="Note.session_date", cascade="all, delete-orphan"
    )


class Note(Base):
    """One session note, written from a template snapshot; a draft until signed."""

    __tablename__ = "note"
    # The client list's draft and today counts, from the index alone (migration 0007).
    __table_args__ = (Index("ix_note_course_marks", "course_id", "status", "session_date"),)

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    course_id: Mapped[str] = mapped_column(
        StoredId(), ForeignKey("course.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    template_id: Mapped[str] = mapped_column(String(100))
    template_version: Mapped[int] = mapped_column(Integer)
    # The template the note was written with, stored once per distinct template
    # (content-addressed: thousands of notes share a handful of snapshots).
    snapshot_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    values: Mapped[dict[str, Any]] = mapped_column(PackedJSON(), default=dict)
    status: Mapped[str] = mapped_column(String(10), default=NoteStatus.DRAFT.value)
    session_date: Mapped[date] = mapped_column(Date)
    # The clinic's zone (IANA name) the session's clock times are read in; NULL for notes
    # signed before zones were kept (read in the computer's zone, as they were written).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    started_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    signed_by_id: Mapped[str | None] = mapped_column(StoredId(), ForeignKey("clinician.id"))
    signed_at: Mapped[datetime | None] = mapped_column()
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # What the signature covers (kapnotes.domain.signatures): NULL for notes signed
    # before versions were kept (version 1); 2 covers client, template and signer too.
    signature_version: Mapped[int | None] = mapped_column(Integer)
    # The signer's name, credential and role as at signing (version 2 signatures).
    signer: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(back_populates="notes")
    snapshot: Mapped[TemplateSnapshot | None] = relationship(
        primaryjoin="Note.snapshot_hash == TemplateSnapshot.hash",
        foreign_keys="Note.snapshot_hash",
    )
    signed_by: Mapped[Clinician | None] = relationship()
    events: Mapped[list[NoteEvent]] = relationship(
        back_populates="note", order_by="NoteEvent.recorded_at", cascade="all, delete-orphan"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="note", order_by="Addendum.created_at", cascade="all, delete-orphan"
    )

    @property
    def template_snapshot(self) -> dict[str, Any]:
        """The template the note was written with (shared, stored once)."""
        pending: dict[str, Any] | None = self.__dict__.get("_pending_snapshot")
        if pending is not None:
            return pending
        return dict(self.snapshot.body) if self.snapshot is not None else {}

    @template_snapshot.setter
    def template_snapshot(self, body: dict[str, Any]) -> None:
        """Point the note at this template (its row is found or made when flushed)."""
        self.__dict__["_pending_snapshot"] = dict(body)
        self.snapshot_hash = content_hash(body)
        self.title = str(body.get("title") or self.kind or "")[:200]


class TemplateSnapshot(Base):
    """A template exactly as notes were written with it, keyed by its content's SHA-256."""

    __tablename__ = "template_snapshot"

    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column()


@event.listens_for(OrmSession, "before_flush")
def _store_snapshots(session: OrmSession, _context: object, _instances: object) -> None:
    """Each note given a template snapshot points at its one stored copy."""
    made: dict[str, TemplateSnapshot] = {}
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, Note):
            continue
        body = obj.__dict__.pop("_pending_snapshot", None)
        if body is None or obj.snapshot_hash is None:
            continue
        digest = obj.snapshot_hash
        row = made.get(digest) or session.get(TemplateSnapshot, digest)
        if row is None:
            row = TemplateSnapshot(hash=digest, body=body)
            session.add(row)
        made[digest] = row
        obj.snapshot = row


class NoteEvent(Base):
    """A timestamped entry of a note: vitals, dose, observation, adverse event, intervention."""

    __tablename__ = "note_event"

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    note_id: Mapped[str] = mapped_column(
        StoredId(), ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(30))
    recorded_at: Mapped[datetime] = mapped_column()
    t_offset_s: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    note: Mapped[Note] = relationship(back_populates="events")


class Addendum(Base):
    """A dated, signed correction appended to a signed note."""

    __tablename__ = "addendum"

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    note_id: Mapped[str] = mapped_column(
        StoredId(), ForeignKey("note.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[str] = mapped_column(StoredId(), ForeignKey("clinician.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    content_hash: Mapped[str] = mapped_column(String(64))
    signature_version: Mapped[int | None] = mapped_column(Integer)  # NULL: version 1
    signer: Mapped[dict[str, Any] | None] = mapped_column()  # the author as at signing

    note: Mapped[Note] = relationship(back_populates="addenda")
    author: Mapped[Clinician] = relationship()


class MeasureResult(Base):
    """One administration of an outcome measure (PHQ-9, GAD-7, PCL-5, clinic-defined)."""

    __tablename__ = "measure_result"
    # The client list's open risk flags (migration 0007): only unacknowledged flags.
    __table_args__ = (
        Index(
            "ix_measure_result_open_flags",
            "client_id",
            sqlite_where=text("acknowledged_at IS NULL AND json_array_length(flags) > 0"),
        ),
    )

    id: Mapped[str] = mapped_column(StoredId(), primary_key=True, default=new_id)
    client_id: Mapped[str] = mapped_column(
        StoredId(), ForeignKey("client.id", ondelete="CASCADE"), index=True
    )
    note_id: Mapped[str | None] = mapped_column(
        StoredId(), ForeignKey("note.id", ondelete="SET NULL")
    )
    # The course it belongs to (a note's measure: the note's course); NULL only for a
    # client without a course. No ON DELETE: a course that has measures cannot be
    # removed on its own (removing the client removes both). Migration 0004 adds the
    # column in place, and SQLite keeps a column's REFERENCES inline, where
    # SQLAlchemy's reflection reads no ON DELETE option.
    course_id: Mapped[str | None] = mapped_column(StoredId(), ForeignKey("course.id"), index=True)
    instrument_id: Mapped[str] = mapped_column(String(100))
    instrument_version: Mapped[int] = mapped_column(Integer)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    total: Mapped[float | None] = mapped_column(Float)
    band: Mapped[str | None] = mapped_column(String(100))
    flags: Mapped[list[Any]] = mapped_column(default=list)
    administered_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[str | None] = mapped_column(StoredId(), ForeignKey("clinician.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledgement: Mapped[str | None] = mapped_column(Text)

    client: Mapped[Client] = relationship(back_populates="measures")


#: Partial indexes of the audit trail's ``vault.backup`` and ``vault.restore`` events
#: (migration 0011): when the last good backup was written, without reading every event.
AUDIT_BACKUPS = "ix_audit_event_backups"
AUDIT_RESTORES = "ix_audit_event_restores"


class AuditEvent(Base):
    """An append-only, hash-chained record of who did what to which record."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index(AUDIT_BACKUPS, "at", sqlite_where=text("action = 'vault.backup'")),
        Index(AUDIT_RESTORES, "seq", sqlite_where=text("action = 'vault.restore'")),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[str | None] = mapped_column(StoredId())
    action: Mapped[str] = mapped_column(String(50))
    entity: Mapped[str] = mapped_column(String(30))
    entity_id: Mapped[str | None] = mapped_column(StoredId())
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class VaultMeta(Base):
    """Key/value facts about the vault itself (schema origin, demo marker)."""

    __tablename__ = "vault_meta"

    key: Mapped[str] = mapped_column(String(50), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


FTS_TABLE = "note_fts"


def include_name(name: str | None, type_: str, _parent: object) -> bool:
    """For Alembic: leave the FTS5 index (virtual table and shadow tables) out of comparisons."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))
