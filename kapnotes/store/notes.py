"""Notes: create from a template snapshot, autosave values and events, sign, amend, search.

A signed note is read-only three times over: this store refuses changes
(`SignedNoteError`), the UI disables its editor, and database triggers
(migration 0002) abort any UPDATE or DELETE that slips past both.

Signing is a rule of this store, whoever asks (editor, command line, demo): a
note whose template still has required fields empty is refused with
`MissingFieldsError`, and one whose times do not add up (a stop before its
start, or at the same moment) with `InconsistentTimesError`, each checked by the
same domain rule the editor shows.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from kapnotes.domain.clients import template_client_values
from kapnotes.domain.note_times import DERIVED_KEYS, read_times, session_timeline
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.prefill import Author, NoteStart
from kapnotes.domain.signatures import (
    LEGACY_VERSION,
    SIGNATURE_VERSION,
    NoteContent,
    SignedEvent,
    Signer,
    UnknownSignatureVersionError,
    note_hash,
)
from kapnotes.domain.signatures import addendum_hash as _addendum_hash
from kapnotes.domain.templates import (
    NarrativeLayout,
    NoteLinkField,
    TemplateSpec,
    linked_note_values,
    missing_for_signing,
    recorded_layout,
    template_context,
)
from kapnotes.domain.time_order import TimeConflict, time_conflicts
from kapnotes.domain.timeline import system_zone_name, zone_named
from kapnotes.store.audit import record
from kapnotes.store.clients import client_input
from kapnotes.store.models import (
    Addendum,
    Client,
    Clinician,
    Course,
    Note,
    NoteEvent,
    StoredId,
    TemplateSnapshot,
    new_id,
    utcnow,
)
from kapnotes.store.search_index import index_note, note_pieces, search_words, snippet
from kapnotes.store.vault import OpenVault

# A log row lives in the note's values with the id of its event under this key.
EVENT_KEY = "_event_id"
# Entries the app writes itself (alerts, overrides, discharge) carry ORIGIN_KEY: APP_ORIGIN
# and are immutable: a clinician annotates them with an entry of their own.
ORIGIN_KEY = "_origin"
APP_ORIGIN = "app"


def event_data(row: Mapping[str, Any]) -> dict[str, Any]:
    """A log row as written into its event: bookkeeping keys and what is derived from the
    timeline (T+, recomputed whenever T0 moves) left out; the row's instants kept."""
    return {k: v for k, v in row.items() if k not in (EVENT_KEY, "original", *DERIVED_KEYS)}


def new_entry_id() -> str:
    """An id for a log entry about to be saved (it goes into the row and the event)."""
    return new_id()


@dataclass(frozen=True)
class NewEntry:
    """A log entry written together with the values that show it (see save_values)."""

    id: str
    kind: str
    data: dict[str, Any]
    recorded_at: datetime
    t_offset_s: int | None = None


class SignedNoteError(Exception):
    """A change was asked of a signed note; corrections are addenda."""


class AppEntryError(Exception):
    """A change was asked of an entry the app wrote (an alert, an override, discharge)."""


class SignError(Exception):
    """A draft cannot be signed as it stands; nothing was changed and it stays a draft."""


class MissingFieldsError(SignError):
    """Fields the note's template requires before signing are still empty.

    ``missing`` holds their labels in the template's order, as the editor lists
    them (a log cell reads ``"Vitals (row 2): Time"``); the message lists them too.
    """

    def __init__(self, missing: Sequence[str]) -> None:
        self.missing: tuple[str, ...] = tuple(missing)
        count = len(self.missing)
        items = "item" if count == 1 else "items"
        super().__init__(
            f"Not signed: {count} required {items} still to fill in: {'; '.join(self.missing)}"
        )


class InconsistentTimesError(SignError):
    """Times of the note do not add up: an end before its start, or at the same moment.

    ``problems`` holds one message per interval (``"Clinicians present (row 1): Stop
    10:00 is before Start 11:00"``), ``conflicts`` the intervals themselves; the
    message lists the problems. Checked on the note's instants, so a session past
    midnight is not refused.
    """

    def __init__(self, conflicts: Sequence[TimeConflict], problems: Sequence[str]) -> None:
        self.conflicts: tuple[TimeConflict, ...] = tuple(conflicts)
        self.problems: tuple[str, ...] = tuple(problems)
        count = len(self.problems)
        what = "time does" if count == 1 else "times do"
        super().__init__(f"Not signed: {count} {what} not add up: {'; '.join(self.problems)}")


class UnreadableTemplateError(SignError):
    """The template snapshot stored with the note is not a valid template.

    Its required fields cannot be checked, so the note is not signed.
    """


@dataclass(frozen=True)
class EventRecord:
    """One timestamped entry of a note."""

    id: str
    kind: str
    recorded_at: datetime
    t_offset_s: int | None
    data: dict[str, Any]


@dataclass(frozen=True)
class AddendumRecord:
    """A signed correction appended to a note."""

    id: str
    text: str
    author: str
    created_at: datetime
    content_hash: str


@dataclass(frozen=True)
class NoteRecord:
    """A note with everything the editor and reports show."""

    id: str
    course_id: str
    client_id: str
    kind: Phase
    template_id: str
    template_version: int
    template_snapshot: dict[str, Any]
    values: dict[str, Any]
    status: NoteStatus
    session_date: date
    time_zone: str
    started_at: datetime | None
    ended_at: datetime | None
    signed_by: str | None
    signed_at: datetime | None
    content_hash: str | None
    events: tuple[EventRecord, ...]
    addenda: tuple[AddendumRecord, ...]

    @property
    def is_signed(self) -> bool:
        """Whether the note is signed (read-only)."""
        return self.status == NoteStatus.SIGNED


@dataclass(frozen=True)
class SearchHit:
    """A note that matches a full-text search, with the matching words marked."""

    note_id: str
    client_id: str
    client_name: str
    note_title: str
    session_date: date
    snippet: str


def _clinician_label(clinician: Clinician | None) -> str | None:
    if clinician is None:
        return None
    return f"{clinician.name}, {clinician.credential}".strip(", ")


def signer_of(clinician: Clinician) -> Signer:
    """A clinician's identity as a signature records it (name, credential, role)."""
    return Signer(clinician.name, clinician.credential or "", clinician.role or "")


def _signed_label(snapshot: dict[str, Any] | None, clinician: Clinician | None) -> str | None:
    """Who signed, as the signature recorded them (version 2), else as the vault has them."""
    recorded = Signer.from_json(snapshot)
    return recorded.label if recorded is not None else _clinician_label(clinician)


def note_content(note: Note) -> NoteContent:
    """Everything a signature of ``note`` may cover, read from its rows."""
    return NoteContent(
        note_id=note.id,
        course_id=note.course_id,
        client_id=note.course.client_id,
        kind=note.kind,
        template_id=note.template_id,
        template_version=note.template_version,
        snapshot_hash=note.snapshot_hash,
        session_date=note.session_date,
        time_zone=note.time_zone,
        started_at=note.started_at,
        ended_at=note.ended_at,
        values=note.values,
        signed_by=note.signed_by_id,
        signed_at=note.signed_at,
        signer=Signer.from_json(note.signer),
        events=[
            SignedEvent(e.id, e.kind, e.recorded_at, e.t_offset_s, e.data) for e in note.events
        ],
    )


def signature_of(note: Note) -> str | None:
    """The hash ``note``'s content has now under its own signature version (None when the
    version is unknown to this kapnotes)."""
    try:
        return note_hash(note_content(note), note.signature_version or LEGACY_VERSION)
    except UnknownSignatureVersionError:
        return None


def addendum_signature(addendum: Addendum) -> str | None:
    """The hash an addendum's fields have now under its own signature version."""
    try:
        return _addendum_hash(
            addendum.note_id,
            addendum.note.content_hash,
            addendum.text,
            addendum.author_id,
            addendum.created_at,
            version=addendum.signature_version or LEGACY_VERSION,
            author=Signer.from_json(addendum.signer),
        )
    except UnknownSignatureVersionError:
        return None


def fts_query(user_text: str) -> str | None:
    """Turn what a user typed into an FTS5 query: every word, each as a prefix."""
    words = search_words(user_text)
    if not words:
        return None
    return " ".join(f'"{w}"*' for w in words)


def _spec_of(note: Note) -> TemplateSpec | None:
    """The template snapshot stored with a note, or None when it is not a valid template."""
    try:
        return TemplateSpec.model_validate(note.template_snapshot)
    except ValidationError:
        return None


#: The newest matching notes (one more than listed: whether more match), each with its
#: BM25 rank, computed for these rows only.
_SEARCH_SQL = text(
    "SELECT r.note_id, f.rank FROM note_fts AS f "
    "JOIN note_fts_row AS r ON r.fts_rowid = f.rowid "
    "WHERE note_fts MATCH :q ORDER BY f.rowid DESC LIMIT :n"
).columns(note_id=StoredId())


class NoteStore:
    """Reads and writes notes in an open vault on behalf of the clinician who opened it."""

    def __init__(self, vault: OpenVault) -> None:
        self._vault = vault
        self._snapshots: dict[str, dict[str, Any]] = {}  # by hash: immutable content

    @property
    def vault(self) -> OpenVault:
        """The open vault this store reads and writes."""
        return self._vault

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around several writes (of this and other stores of the vault):
        committed together when the block ends, rolled back together on an error."""
        with self._vault.session():
            yield

    @property
    def folder(self) -> Path:
        """The vault's folder (where a failed write's cause, e.g. a full disk, is looked for)."""
        return self._vault.vault.data_dir

    def signer(self) -> str:
        """Name and credential of the clinician who would sign now (who opened the vault)."""
        with self._vault.session() as session:
            label = _clinician_label(session.get(Clinician, self._vault.clinician_id))
            return label or "the clinician who unlocked the vault"

    def note_start(self, course_id: str, kind: Phase) -> NoteStart:
        """What a new note of phase ``kind`` in this course can start from: the clinician who
        opened the vault, the course's plan, the client's emergency contact and medications,
        and how many notes of that phase the course already has. KeyError for an unknown
        course; ValueError when ``kind`` is not a phase."""
        phase = Phase(kind)
        with self._vault.session() as session:
            course = session.get(Course, course_id)
            if course is None:
                raise KeyError(course_id)
            earlier = session.scalar(
                select(func.count())
                .select_from(Note)
                .where(Note.course_id == course_id, Note.kind == phase.value)
            )
            clinician = session.get(Clinician, self._vault.clinician_id)
            client = course.client
            return NoteStart(
                earlier_of_phase=int(earlier or 0),
                author=Author(clinician.name, clinician.credential or "", clinician.role or "")
                if clinician is not None
                else None,
                planned_product=course.planned_product,
                planned_route_detail=course.planned_route_detail,
                emergency_contact=client.emergency_contact,
                medications=client.medications,
            )

    def create(
        self,
        course_id: str,
        kind: Phase,
        template_snapshot: dict[str, Any],
        session_date: date,
        values: dict[str, Any] | None = None,
        *,
        time_zone: str | None = None,
    ) -> str:
        """Start a draft note from a template; the snapshot is kept with the note.

        ``time_zone`` is the clinic's zone (IANA name, default this computer's): the
        note's clock times are read in it for good. ``KeyError`` for an unknown
        course; :class:`~kapnotes.domain.timeline.TimeInputError` for an unknown zone.
        Raises ValueError when ``kind`` is not a phase.
        """
        phase = Phase(kind)
        zone = zone_named(time_zone or system_zone_name()).key
        with self._vault.session() as session:
            if session.get(Course, course_id) is None:
                raise KeyError(course_id)
            note = Note(
                course_id=course_id,
                kind=phase.value,
                template_id=str(template_snapshot["id"]),
                template_version=int(template_snapshot["version"]),
                template_snapshot=template_snapshot,
                values=dict(values or {}),
                session_date=session_date,
                time_zone=zone,
                started_at=utcnow(),
            )
            session.add(note)
            session.flush()
            index_note(session, note.id, note.values)
            record(session, self._vault.clinician_id, "note.create", "note", note.id, {})
            return note.id

    def get(self, note_id: str) -> NoteRecord:
        """A note with its events and addenda; KeyError if none has this id."""
        with self._vault.session() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise KeyError(note_id)
            return NoteRecord(
                id=note.id,
                course_id=note.course_id,
                client_id=note.course.client_id,
                kind=Phase(note.kind),
                template_id=note.template_id,
                template_version=note.template_version,
                template_snapshot=self._snapshot(session, note.snapshot_hash),
                values=dict(note.values),
                status=NoteStatus(note.status),
                session_date=note.session_date,
                time_zone=note.time_zone or system_zone_name(),
                started_at=note.started_at,
                ended_at=note.ended_at,
                signed_by=_signed_label(note.signer, note.signed_by),
                signed_at=note.signed_at,
                content_hash=note.content_hash,
                events=tuple(
                    EventRecord(e.id, e.kind, e.recorded_at, e.t_offset_s, dict(e.data))
                    for e in note.events
                ),
                addenda=tuple(
                    AddendumRecord(
                        a.id,
                        a.text,
                        _signed_label(a.signer, a.author) or "",
                        a.created_at,
                        a.content_hash,
                    )
                    for a in note.addenda
                ),
            )

    def _snapshot(self, session: Session, digest: str | None) -> dict[str, Any]:
        """A template snapshot by its hash, decoded once per store (they never change)."""
        if digest is None:
            return {}
        cached = self._snapshots.get(digest)
        if cached is None:
            row = session.get(TemplateSnapshot, digest)
            cached = dict(row.body) if row is not None else {}
            self._snapshots[digest] = cached
        return copy.deepcopy(cached)

    def _draft(self, session: Session, note_id: str) -> Note:
        note = session.get(Note, note_id)
        if note is None:
            raise KeyError(note_id)
        if note.status == NoteStatus.SIGNED:
            raise SignedNoteError("This note is signed and read-only; add an addendum instead.")
        return note

    def save_values(
        self,
        note_id: str,
        values: dict[str, Any],
        *,
        new_entries: Sequence[NewEntry] = (),
        corrections: Mapping[str, dict[str, Any]] | None = None,
        fills: Mapping[str, dict[str, Any]] | None = None,
    ) -> None:
        """Autosave: a draft's values and its log entries, all in ONE transaction.

        A log row lives twice: in ``values[log_field]`` (with ``_event_id``) for the
        form, and as a timestamped event for the record. Writing both together means
        a crash can never leave one without the other. ``new_entries`` are new rows
        (their ids chosen with :func:`new_entry_id`, already in ``values``);
        ``corrections`` change an entry after the fact (its first version is kept
        as ``original``); ``fills`` complete an entry still being typed (no history).
        """
        with self._vault.session() as session:
            note = self._draft(session, note_id)
            for entry in new_entries:
                session.add(
                    NoteEvent(
                        id=entry.id,
                        note_id=note.id,
                        kind=entry.kind,
                        data=dict(entry.data),
                        recorded_at=entry.recorded_at,
                        t_offset_s=entry.t_offset_s,
                    )
                )
            session.flush()
            for event_id, data in (corrections or {}).items():
                self._change_event(session, note.id, event_id, data, keep_original=True)
            for event_id, data in (fills or {}).items():
                self._change_event(session, note.id, event_id, data, keep_original=False)
            note.values = dict(values)
            session.flush()
            # A draft has no addenda: its index row is its values (no reload, no events).
            index_note(session, note.id, values)
            record(
                session,
                self._vault.clinician_id,
                "note.edit",
                "note",
                note.id,
                {
                    "entries": len(new_entries),
                    "corrections": len(corrections or {}),
                    "fills": len(fills or {}),
                },
            )

    @staticmethod
    def _change_event(
        session: Session, note_id: str, event_id: str, data: dict[str, Any], *, keep_original: bool
    ) -> None:
        event = session.get(NoteEvent, event_id)
        if event is None or event.note_id != note_id:
            raise KeyError(event_id)
        recorded = {k: v for k, v in event.data.items() if k != "original"}
        if event.data.get(ORIGIN_KEY) == APP_ORIGIN and dict(data) != recorded:
            raise AppEntryError(
                "Entries the app writes (alerts, overrides, discharge) cannot be changed; "
                "add a note of your own to them instead."
            )
        if keep_original:
            original = event.data.get("original", event.data)
            event.data = dict(data) | {"original": original}
        else:
            event.data = dict(data) | (
                {"original": event.data["original"]} if "original" in event.data else {}
            )

    def set_session_times(
        self, note_id: str, started_at: datetime | None, ended_at: datetime | None
    ) -> None:
        """Record when the session started and ended."""
        with self._vault.session() as session:
            note = self._draft(session, note_id)
            note.started_at = started_at
            note.ended_at = ended_at
            record(session, self._vault.clinician_id, "note.edit", "note", note.id, {"times": 1})

    def add_event(
        self,
        note_id: str,
        kind: str,
        data: dict[str, Any],
        recorded_at: datetime | None = None,
        t_offset_s: int | None = None,
    ) -> str:
        """Append a timestamped entry; durable when this returns."""
        with self._vault.session() as session:
            note = self._draft(session, note_id)
            event = NoteEvent(
                note_id=note.id,
                kind=kind,
                data=dict(data),
                recorded_at=recorded_at or utcnow(),
                t_offset_s=t_offset_s,
            )
            session.add(event)
            session.flush()  # the index holds what the note shows: its values are unchanged
            record(session, self._vault.clinician_id, "note.entry", "note", note.id, {"kind": kind})
            return event.id

    def correct_event(self, event_id: str, data: dict[str, Any]) -> None:
        """Correct an entry before signing; its original time and first text are kept."""
        with self._vault.session() as session:
            event = session.get(NoteEvent, event_id)
            if event is None:
                raise KeyError(event_id)
            note = self._draft(session, event.note_id)
            self._change_event(session, note.id, event_id, data, keep_original=True)
            session.flush()
            record(
                session, self._vault.clinician_id, "note.edit", "note", note.id, {"corrections": 1}
            )

    def template_context(self, note_id: str) -> dict[str, Any]:
        """What the note's template reads as ``$client.…`` and ``$linked.…``, from the vault.

        ``client`` is the note's client (``TEMPLATE_CLIENT_FIELDS``); ``linked`` is
        the note chosen in the template's ``note_link`` field, when one is chosen.
        Raises KeyError when no note has this id.
        """
        with self._vault.session() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise KeyError(note_id)
            return self._context(session, note, _spec_of(note))

    @staticmethod
    def _context(session: Session, note: Note, spec: TemplateSpec | None) -> dict[str, Any]:
        client = note.course.client
        linked: dict[str, Any] | None = None
        # As the editor does: each note_link field in turn sets (or clears) $linked.
        for field in spec.fields() if spec is not None else ():
            if isinstance(field, NoteLinkField):
                chosen = note.values.get(field.id)
                other = session.get(Note, chosen) if isinstance(chosen, str) else None
                linked = (
                    linked_note_values(other.id, other.session_date, other.kind)
                    if other is not None
                    else None
                )
        return template_context(template_client_values(client.id, client_input(client)), linked)

    def sign(self, note_id: str, *, layout: NarrativeLayout | None = None) -> str:
        """Sign as the clinician who opened the vault; returns the content hash.

        Signing records who, when and the SHA-256 of the content. First the note's
        saved values are checked against its own template snapshot with the rule
        the editor shows (``missing_for_signing``): fields hidden by ``show_if`` are
        not required, and a required narrative section needs every heading of
        ``layout`` (by default the layout the note records, else SOAP).

        Then its times are checked on the session timeline (``time_conflicts``): an
        end (a clinician's stop, an adverse event's resolution, the session's end,
        discharge) must come after its start (or the first dose).

        Raises KeyError (no note has this id), SignedNoteError (already signed),
        MissingFieldsError (required fields empty; it lists their labels),
        InconsistentTimesError (times that do not add up; it lists them) or
        UnreadableTemplateError (the snapshot is not a valid template). The last
        three are SignError; whenever one is raised the note stays a draft.
        """
        with self._vault.session() as session:
            note = self._draft(session, note_id)
            spec = _spec_of(note)
            if spec is None:
                raise UnreadableTemplateError(
                    f"Not signed: this note's template ('{note.template_id}' version "
                    f"{note.template_version}) cannot be read, so its required fields "
                    "cannot be checked"
                )
            missing = missing_for_signing(
                spec,
                note.values,
                layout or recorded_layout(note.values) or NarrativeLayout.SOAP,
                self._context(session, note, spec),
            )
            if missing:
                raise MissingFieldsError(missing)
            times = read_times(
                spec,
                note.values,
                session_timeline(note.time_zone or system_zone_name(), note.session_date),
            )
            conflicts = time_conflicts(spec, times)
            if conflicts:
                raise InconsistentTimesError(
                    conflicts, [c.message(times.timeline.clock) for c in conflicts]
                )
            signer = session.get(Clinician, self._vault.clinician_id)
            if signer is None:
                raise SignError("Not signed: the clinician who unlocked the vault is not in it")
            note.signed_by_id = signer.id
            note.signer = signer_of(signer).as_json()
            note.signature_version = SIGNATURE_VERSION
            note.signed_at = utcnow().replace(microsecond=0)
            note.ended_at = note.ended_at or note.signed_at
            digest = note_hash(note_content(note), SIGNATURE_VERSION)
            note.content_hash = digest
            note.status = NoteStatus.SIGNED.value
            record(
                session,
                self._vault.clinician_id,
                "note.sign",
                "note",
                note.id,
                {"hash": digest, "signature_version": SIGNATURE_VERSION},
            )
            return digest

    def add_addendum(self, note_id: str, body: str) -> str:
        """Append a dated, signed correction to a signed note."""
        if not body.strip():
            raise ValueError("An addendum needs some text.")
        with self._vault.session() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise KeyError(note_id)
            if note.status != NoteStatus.SIGNED:
                raise ValueError("Drafts are edited directly; addenda are for signed notes.")
            author = session.get(Clinician, self._vault.clinician_id)
            if author is None:
                raise ValueError("The clinician who unlocked the vault is not in it.")
            created = utcnow().replace(microsecond=0)
            identity = signer_of(author)
            digest = _addendum_hash(
                note_id,
                note.content_hash,
                body.strip(),
                author.id,
                created,
                version=SIGNATURE_VERSION,
                author=identity,
            )
            addendum = Addendum(
                note_id=note_id,
                text=body.strip(),
                author_id=author.id,
                created_at=created,
                content_hash=digest,
                signature_version=SIGNATURE_VERSION,
                signer=identity.as_json(),
            )
            session.add(addendum)
            session.flush()
            session.refresh(note)
            self._reindex(session, note)
            record(
                session,
                self._vault.clinician_id,
                "note.addendum",
                "note",
                note_id,
                {"hash": digest},
            )
            return addendum.id

    def verify_signature(self, note_id: str) -> bool:
        """Whether a signed note's content still matches its recorded hash."""
        with self._vault.session() as session:
            note = session.get(Note, note_id)
            if note is None:
                raise KeyError(note_id)
            return note.content_hash is not None and signature_of(note) == note.content_hash

    def verify_addendum(self, addendum_id: str) -> bool:
        """Whether an addendum's text, author and time still match its recorded hash (and
        the hash of the note it was appended to). KeyError when no addendum has this id."""
        with self._vault.session() as session:
            addendum = session.get(Addendum, addendum_id)
            if addendum is None:
                raise KeyError(addendum_id)
            return addendum.content_hash == addendum_signature(addendum)

    def signature_problems(self) -> tuple[int, list[str]]:
        """How many notes are signed, and each whose content no longer matches its hash.

        Each is checked under its own signature version (a version this kapnotes
        does not know is named as such); so is each addendum of a signed note, and
        an addendum on a draft (which no kapnotes writes) is named too.
        """
        problems: list[str] = []
        with self._vault.session() as session:
            signed = list(
                session.scalars(select(Note).where(Note.status == NoteStatus.SIGNED.value))
            )
            for note in signed:
                where = f"note {note.id} (session {note.session_date.isoformat()})"
                version = note.signature_version or LEGACY_VERSION
                expected = signature_of(note)
                if expected is None:
                    problems.append(f"{where}: signature version {version} is not known here")
                elif note.content_hash != expected:
                    problems.append(f"{where}: content does not match its signature")
                for addendum in note.addenda:
                    if addendum.content_hash != addendum_signature(addendum):
                        problems.append(
                            f"addendum {addendum.id} of note {note.id}: content does not match "
                            "its signature"
                        )
            stray = session.scalars(
                select(Addendum.id)
                .join(Note, Note.id == Addendum.note_id)
                .where(Note.status != NoteStatus.SIGNED.value)
            )
            problems += [f"addendum {a} is attached to a note that is not signed" for a in stray]
        return len(signed), problems

    def _reindex(self, session: Session, note: Note) -> None:
        index_note(session, note.id, note.values, (a.text for a in note.addenda))

    def search(self, user_text: str, limit: int = 100) -> list[SearchHit]:
        """Notes whose text holds every word typed (each as a prefix), best match first.

        Ranking reads every matching note's index row; for a word most notes hold
        ("calm" in a vault of years) that is tens of milliseconds per keystroke and
        says little. So when more than ``limit`` notes match, the hits are the
        ``limit`` most recently created notes, newest first; otherwise they are
        ranked (BM25, best first).

        The search is recorded in the audit trail (that it happened and how many notes
        it found, never the words).
        """
        query = fts_query(user_text)
        if query is None:
            return []
        with self._vault.session() as session:
            found = session.execute(_SEARCH_SQL, {"q": query, "n": limit + 1}).all()
            # all of them: best first; more than are listed: the newest, as found
            rows = sorted(found, key=lambda r: r[1]) if len(found) <= limit else found[:limit]
            listed = list(dict.fromkeys(str(note_id) for note_id, _rank in rows))
            details = session.execute(
                select(
                    Note.id,
                    Note.kind,
                    Note.title,
                    Note.session_date,
                    Client.id,
                    Client.name,
                    Note.values,
                )
                .join(Course, Note.course_id == Course.id)
                .join(Client, Course.client_id == Client.id)
                .where(Note.id.in_(listed))
            ).all()
            addenda: dict[str, list[str]] = {}
            for note_id, body in session.execute(
                select(Addendum.note_id, Addendum.text)
                .where(Addendum.note_id.in_(listed))
                .order_by(Addendum.created_at)
            ):
                addenda.setdefault(note_id, []).append(body)
            record(
                session,
                self._vault.clinician_id,
                "note.search",
                "note",
                None,
                {"results": len(details)},
            )
        by_id = {row[0]: row for row in details}
        words = search_words(user_text)
        return [
            SearchHit(
                note_id=note_id,
                client_id=by_id[note_id][4],
                client_name=by_id[note_id][5],
                note_title=by_id[note_id][2] or by_id[note_id][1].title(),
                session_date=by_id[note_id][3],
                # cut from the note's own text: the index keeps no copy of it
                snippet=snippet(note_pieces(by_id[note_id][6], addenda.get(note_id, ())), words),
            )
            for note_id in listed
            if note_id in by_id
        ]

    def notes_for_course(self, course_id: str) -> list[str]:
        """Ids of a course's notes, oldest session first."""
        with self._vault.session() as session:
            stmt = (
                select(Note.id)
                .where(Note.course_id == course_id)
                .order_by(Note.session_date, Note.created_at)
            )
            return list(session.scalars(stmt))
