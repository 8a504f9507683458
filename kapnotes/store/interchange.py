"""The JSON interchange format: the whole vault as one versioned, validated document.

    export_vault(vault)        -> dict, the document (read only)
    export_json(vault, path)   writes it where the user asked (temp file beside it, then
                               rename) and records a ``vault.export`` audit event
    parse_document(raw, src)   validates the WHOLE file first; InterchangeError names the
                               file and the JSON path of every problem
    import_document(vault, d)  adds everything in one transaction, ids unchanged, or
                               nothing at all

The document is modelled with pydantic v2 (``extra="forbid"``, validated in strict
JSON mode); client and course records reuse the rules of kapnotes.domain.clients.
The JSON Schema shipped in resources/schema is generated from these models:
``python -m kapnotes.store.interchange --schema`` prints it, ``--write-schema``
rewrites the shipped file. docs/interchange.md describes every field, and what
import does with the audit chain (it is re-linked into the target's chain, with
each event's content kept exactly and the source chain's head hash recorded).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from kapnotes import __version__
from kapnotes.domain.assets import resources_root
from kapnotes.domain.canonical import content_hash
from kapnotes.domain.clients import ClientInput, CourseInput
from kapnotes.domain.files import atomic_write
from kapnotes.domain.instruments import AnswerError, LoadedInstruments, load_instruments, score
from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.domain.signatures import (
    KNOWN_VERSIONS,
    LEGACY_VERSION,
    NoteContent,
    SignedEvent,
    Signer,
    addendum_hash,
    note_hash,
)
from kapnotes.domain.templates import InstrumentField, TemplateSpec
from kapnotes.domain.timeline import zone_named
from kapnotes.store.audit import GENESIS, appended, event_hash, record
from kapnotes.store.measures import place_in_courses
from kapnotes.store.models import (
    Addendum,
    AuditEvent,
    Base,
    Client,
    Clinician,
    Course,
    MeasureResult,
    Note,
    NoteEvent,
    utcnow,
)
from kapnotes.store.search_index import index_note
from kapnotes.store.vault import OpenVault

FORMAT = "kapnotes"
VERSION = 1
SCHEMA_FILE = f"kapnotes-interchange-v{VERSION}.schema.json"
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
MAX_PROBLEMS_SHOWN = 12

__all__ = [
    "FORMAT",
    "VERSION",
    "ImportConflictError",
    "ImportSummary",
    "InterchangeDocument",
    "InterchangeError",
    "check_export_target",
    "check_references",
    "comparable",
    "export_json",
    "export_vault",
    "import_document",
    "json_schema",
    "parse_document",
    "read_document",
    "schema_path",
    "schema_text",
    "verify_imported_segments",
]


class InterchangeError(Exception):
    """An interchange file cannot be read or imported; each problem names file and JSON path."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems) or ["unknown problem"]
        shown = [f"{source}: {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - len(shown)
        if hidden > 0:
            shown.append(f"{source}: … and {hidden} more problem{'s' if hidden > 1 else ''}")
        super().__init__("\n".join(shown))


class ImportConflictError(InterchangeError):
    """The file holds records whose ids the target vault already has; nothing was written."""


# --------------------------------------------------------------------------- the model

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,36}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
JsonObject = dict[str, Any]


class _Record(BaseModel):
    """Base of every record that has no domain model of its own: strict types, no extras."""

    model_config = ConfigDict(extra="forbid", strict=True)


class ClinicianEntry(_Record):
    """A person who writes and signs notes (no passphrase travels with the file)."""

    id: Id
    name: str = Field(min_length=1, max_length=200)
    credential: str = Field(max_length=100)
    role: str = Field(min_length=1, max_length=30)
    created_at: AwareDatetime


class ClientEntry(ClientInput):
    """A person in care: the fields and rules of the client form, plus id and times."""

    model_config = ConfigDict(extra="forbid", title="ClientEntry")

    id: Id
    created_at: AwareDatetime
    updated_at: AwareDatetime


class CourseEntry(CourseInput):
    """A course of KAP for one client: the fields and rules of the course form, plus ids."""

    model_config = ConfigDict(extra="forbid", title="CourseEntry")

    id: Id
    client_id: Id
    created_at: AwareDatetime


class NoteEventEntry(_Record):
    """A timestamped entry of a note: vitals, dose, observation, adverse event, intervention."""

    id: Id
    kind: str = Field(min_length=1, max_length=30)
    recorded_at: AwareDatetime
    t_offset_s: int | None = Field(description="seconds since T0 (first dose), if any")
    data: JsonObject
    created_at: AwareDatetime
    updated_at: AwareDatetime


class SignerEntry(_Record):
    """Who signed, as they were at signing (signature version 2)."""

    name: str = Field(min_length=1, max_length=200)
    credential: str = Field(max_length=100)
    role: str = Field(max_length=30)


SignatureVersion = Annotated[int, Field(ge=1, description="what the signature covers; absent: 1")]


class AddendumEntry(_Record):
    """A dated, signed correction appended to a signed note."""

    id: Id
    text: str = Field(min_length=1)
    author_id: Id
    created_at: AwareDatetime
    content_hash: Sha256
    # Absent in files written before signatures were versioned (version 1).
    signature_version: SignatureVersion | None = None
    signer: SignerEntry | None = None


class NoteEntry(_Record):
    """One session note with the template snapshot it was written with."""

    id: Id
    course_id: Id
    kind: Phase
    template_id: str = Field(min_length=1, max_length=100)
    template_version: int = Field(ge=1)
    template_snapshot: JsonObject
    values: JsonObject
    status: NoteStatus
    session_date: date
    # The clinic's zone its clock times are read in (IANA name); absent in older files.
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    started_at: AwareDatetime | None
    ended_at: AwareDatetime | None
    signed_by_id: Id | None
    signed_at: AwareDatetime | None
    content_hash: Sha256 | None
    # Absent in files written before signatures were versioned (version 1).
    signature_version: SignatureVersion | None = None
    signer: SignerEntry | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    events: list[NoteEventEntry]
    addenda: list[AddendumEntry]

    @model_validator(mode="after")
    def _known_zone(self) -> NoteEntry:
        if self.time_zone is not None:
            zone_named(self.time_zone)  # a ValueError naming the zone
        return self

    @model_validator(mode="after")
    def _signature_complete(self) -> NoteEntry:
        signature = (self.signed_by_id, self.signed_at, self.content_hash)
        if self.status == NoteStatus.SIGNED and any(part is None for part in signature):
            raise ValueError("a signed note needs signed_by_id, signed_at and content_hash")
        if self.status == NoteStatus.DRAFT and any(part is not None for part in signature):
            raise ValueError("a draft note cannot carry a signature (signed_by_id, signed_at, …)")
        if self.status == NoteStatus.DRAFT and self.addenda:
            raise ValueError("only signed notes have addenda")
        return self


class MeasureEntry(_Record):
    """One administration of an outcome measure, with its score and any acknowledgement."""

    id: Id
    client_id: Id
    note_id: Id | None
    # The course it belongs to; absent in files written before measures had courses
    # (import then places it as migration 0004 does).
    course_id: Id | None = Field(
        default=None,
        description="the client's course it belongs to (a note's measure: the note's course)",
    )
    instrument_id: str = Field(min_length=1, max_length=100)
    instrument_version: int = Field(ge=1)
    answers: JsonObject
    total: float | None
    band: str | None = Field(max_length=100)
    flags: list[Any]
    administered_at: AwareDatetime
    acknowledged_by_id: Id | None
    acknowledged_at: AwareDatetime | None
    acknowledgement: str | None


class AuditEntry(_Record):
    """One link of the hash-chained audit log, exactly as the exporting vault holds it."""

    seq: int = Field(ge=1)
    at: AwareDatetime
    actor_id: Id | None
    action: str = Field(min_length=1, max_length=50)
    entity: str = Field(min_length=1, max_length=30)
    entity_id: str | None = Field(max_length=36)
    detail: JsonObject
    prev_hash: Sha256
    hash: Sha256


class InterchangeDocument(BaseModel):
    """A whole kapnotes vault as JSON (interchange format, version 1)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, title="kapnotes interchange document, version 1"
    )

    format: Literal["kapnotes"]
    version: Literal[1]
    exported_at: AwareDatetime
    app_version: str = Field(min_length=1, max_length=50)
    clinicians: list[ClinicianEntry]
    clients: list[ClientEntry]
    courses: list[CourseEntry]
    notes: list[NoteEntry]
    measures: list[MeasureEntry]
    audit: list[AuditEntry]


# --------------------------------------------------------------------------- schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the document, generated from the pydantic models."""
    schema = InterchangeDocument.model_json_schema(mode="validation")
    return {"$schema": SCHEMA_DIALECT, **schema}


def schema_text() -> str:
    """The schema exactly as the shipped file holds it."""
    return json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"


def schema_path() -> Path:
    """Where the schema ships: resources/schema/kapnotes-interchange-v1.schema.json."""
    return resources_root() / "schema" / SCHEMA_FILE


# --------------------------------------------------------------------------- parsing


def json_path(loc: Iterable[str | int]) -> str:
    """A pydantic error location as a JSON path: ('clients', 2, 'name') -> $.clients[2].name."""
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


_JSON_TYPES = {
    dict: "an object",
    list: "a list",
    str: "text",
    bool: "true/false",
    int: "a number",
    float: "a decimal number",
    type(None): "null",
}


def _describe(error: Any) -> str:
    kind = str(error["type"])
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field (not part of interchange version 1)"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind.endswith("_type") or kind.endswith("_parsing"):
        # Name the JSON type found, never the value itself (it may be a client's data).
        found = _JSON_TYPES.get(type(error.get("input")))
        if found is not None:
            message += f" (found {found})"
    return message


def _problems_of(exc: ValidationError) -> list[str]:
    return [f"{json_path(err['loc'])}: {_describe(err)}" for err in exc.errors()]


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _load_json(raw: bytes, source: str) -> Any:
    try:
        text_ = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InterchangeError(
            source, [f"byte {exc.start}: not UTF-8 text; a kapnotes export is UTF-8 JSON"]
        ) from None
    try:
        return json.loads(text_, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        raise InterchangeError(
            source, [f"line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}"]
        ) from None
    except (ValueError, RecursionError) as exc:
        raise InterchangeError(source, [f"invalid JSON: {exc}"]) from None


def _check_header(obj: Any, source: str) -> None:
    if not isinstance(obj, dict):
        raise InterchangeError(source, ["$: expected a JSON object (a kapnotes export)"])
    if obj.get("format") != FORMAT:
        if "format" not in obj:
            problem = "$.format: missing; this is not a kapnotes interchange file"
        else:
            problem = f'$.format: expected "{FORMAT}"; this is not a kapnotes interchange file'
        raise InterchangeError(source, [problem])
    version = obj.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise InterchangeError(source, ["$.version: expected a whole number (the format version)"])
    if version != VERSION:
        newer = " (written by a newer kapnotes)" if version > VERSION else ""
        raise InterchangeError(
            source,
            [
                f"$.version: version {version}{newer} is not supported; this kapnotes reads "
                f"version {VERSION}"
            ],
        )


def _duplicates(records: Sequence[Any], path: str, what: str) -> tuple[set[str], list[str]]:
    seen: set[str] = set()
    problems: list[str] = []
    for i, rec in enumerate(records):
        if rec.id in seen:
            problems.append(f"{path}[{i}].id: another {what} in the file has this id")
        seen.add(rec.id)
    return seen, problems


def check_references(doc: InterchangeDocument) -> list[str]:
    """Problems between records: duplicate ids, references to records not in the file,
    and a broken audit chain. Empty when the document holds together."""
    problems: list[str] = []
    clinicians, p = _duplicates(doc.clinicians, "$.clinicians", "clinician")
    problems += p
    clients, p = _duplicates(doc.clients, "$.clients", "client")
    problems += p
    courses, p = _duplicates(doc.courses, "$.courses", "course")
    problems += p
    notes, p = _duplicates(doc.notes, "$.notes", "note")
    problems += p
    _, p = _duplicates(doc.measures, "$.measures", "measure result")
    problems += p
    event_ids: set[str] = set()
    addendum_ids: set[str] = set()

    def need(ids: set[str], value: str | None, path: str, what: str) -> None:
        if value is not None and value not in ids:
            problems.append(f"{path}: {what} {value!r} is not in the file")

    course_client = {c.id: c.client_id for c in doc.courses}
    for i, course in enumerate(doc.courses):
        need(clients, course.client_id, f"$.courses[{i}].client_id", "client")
    for i, note in enumerate(doc.notes):
        here = f"$.notes[{i}]"
        need(courses, note.course_id, f"{here}.course_id", "course")
        need(clinicians, note.signed_by_id, f"{here}.signed_by_id", "clinician")
        for j, ev in enumerate(note.events):
            if ev.id in event_ids:
                problems.append(f"{here}.events[{j}].id: another note event has this id")
            event_ids.add(ev.id)
        for j, add in enumerate(note.addenda):
            if add.id in addendum_ids:
                problems.append(f"{here}.addenda[{j}].id: another addendum has this id")
            addendum_ids.add(add.id)
            need(clinicians, add.author_id, f"{here}.addenda[{j}].author_id", "clinician")
    note_client = {n.id: course_client.get(n.course_id) for n in doc.notes}
    note_course = {n.id: n.course_id for n in doc.notes}
    for i, m in enumerate(doc.measures):
        here = f"$.measures[{i}]"
        need(clients, m.client_id, f"{here}.client_id", "client")
        need(notes, m.note_id, f"{here}.note_id", "note")
        need(courses, m.course_id, f"{here}.course_id", "course")
        need(clinicians, m.acknowledged_by_id, f"{here}.acknowledged_by_id", "clinician")
        owner = note_client.get(m.note_id) if m.note_id is not None else None
        if owner in clients and owner != m.client_id:
            problems.append(f"{here}.note_id: that note belongs to another client's course")
        course_owner = course_client.get(m.course_id) if m.course_id is not None else None
        if course_owner in clients and course_owner != m.client_id:
            problems.append(f"{here}.course_id: that course is another client's")
        in_note = note_course.get(m.note_id) if m.note_id is not None else None
        if m.course_id is not None and in_note is not None and in_note != m.course_id:
            problems.append(f"{here}.course_id: a measure given in a note is in the note's course")
    problems += _check_chain(doc.audit)
    return problems


def _check_chain(audit: Sequence[AuditEntry]) -> list[str]:
    problems: list[str] = []
    prev_hash, prev_seq = GENESIS, 0
    for i, ev in enumerate(audit):
        here = f"$.audit[{i}]"
        if ev.seq <= prev_seq:
            problems.append(f"{here}.seq: audit events must be in increasing seq order")
        if ev.prev_hash != prev_hash:
            problems.append(
                f"{here}.prev_hash: the audit chain is broken here (it does not link to the "
                "event before); the file was changed after export or events are missing"
            )
        expected = event_hash(
            ev.prev_hash, ev.at, ev.actor_id, ev.action, ev.entity, ev.entity_id, ev.detail
        )
        if ev.hash != expected:
            problems.append(
                f"{here}.hash: this audit event does not match its hash; the file was "
                "changed after export"
            )
        prev_hash, prev_seq = ev.hash, ev.seq
    return problems


def parse_document(
    raw: bytes,
    source: str,
    *,
    today: date | None = None,
    instruments: LoadedInstruments | None = None,
) -> InterchangeDocument:
    """Validate a whole interchange file; raises InterchangeError naming file and JSON path.

    Checks, in order: UTF-8 JSON (line and column), the format and version, every
    record's fields and types (strict: no "72" for a number), the client and course
    rules of kapnotes.domain.clients, then ids, references and the audit chain, every
    note value against its field's type, every signed note's and addendum's hash
    against its content (and the audit event that recorded it), and every measure's
    score, band and flags against its answers, scored again by ``instruments`` (by
    default the bundled ones). ``today`` fixes the date that "date of birth in the
    future" is judged against.
    """
    obj = _load_json(raw, source)
    _check_header(obj, source)
    context = {"today": today} if today is not None else None
    try:
        doc = InterchangeDocument.model_validate_json(raw, context=context)
    except ValidationError as exc:
        raise InterchangeError(source, _problems_of(exc)) from None
    problems = check_references(doc) + check_note_values(doc)
    if not problems:  # hashes and scores are checked on records that hold together
        problems += check_signatures(doc)
        problems += check_measures(doc, instruments or load_instruments())
    if problems:
        raise InterchangeError(source, problems)
    return doc


def _signer(entry: SignerEntry | None) -> Signer | None:
    return None if entry is None else Signer(entry.name, entry.credential, entry.role)


def _content_of(note: NoteEntry, client_id: str) -> NoteContent:
    return NoteContent(
        note_id=note.id,
        course_id=note.course_id,
        client_id=client_id,
        kind=note.kind.value,
        template_id=note.template_id,
        template_version=note.template_version,
        snapshot_hash=content_hash(note.template_snapshot),
        session_date=note.session_date,
        time_zone=note.time_zone,
        started_at=note.started_at,
        ended_at=note.ended_at,
        values=note.values,
        signed_by=note.signed_by_id,
        signed_at=note.signed_at,
        signer=_signer(note.signer),
        events=[
            SignedEvent(e.id, e.kind, e.recorded_at, e.t_offset_s, e.data) for e in note.events
        ],
    )


def _recorded(doc: InterchangeDocument, action: str) -> dict[str, set[str]]:
    """For each entity id, the hashes the file's audit trail recorded for ``action``."""
    out: dict[str, set[str]] = {}
    for ev in doc.audit:
        digest = ev.detail.get("hash")
        if ev.action == action and ev.entity_id is not None and isinstance(digest, str):
            out.setdefault(ev.entity_id, set()).add(digest)
    return out


def check_signatures(doc: InterchangeDocument) -> list[str]:
    """Every signed note's and addendum's hash against its content (under its own signature
    version) and against the audit event that recorded it when it was signed."""
    problems: list[str] = []
    course_client = {c.id: c.client_id for c in doc.courses}
    signed = _recorded(doc, "note.sign")
    appended = _recorded(doc, "note.addendum")
    for i, note in enumerate(doc.notes):
        here = f"$.notes[{i}]"
        if note.status != NoteStatus.SIGNED:
            continue
        version = note.signature_version or LEGACY_VERSION
        if version not in KNOWN_VERSIONS:
            problems.append(
                f"{here}.signature_version: version {version} was made by a newer kapnotes"
            )
            continue
        content = _content_of(note, course_client.get(note.course_id, ""))
        if note_hash(content, version) != note.content_hash:
            problems.append(
                f"{here}.content_hash: does not match the note's content (the note or the "
                "file was changed after it was signed)"
            )
        elif note.content_hash not in signed.get(note.id, set()):
            problems.append(
                f"{here}.content_hash: no note.sign event in $.audit recorded this signature"
            )
        for j, add in enumerate(note.addenda):
            add_version = add.signature_version or LEGACY_VERSION
            if add_version not in KNOWN_VERSIONS:
                problems.append(
                    f"{here}.addenda[{j}].signature_version: version {add_version} was made by "
                    "a newer kapnotes"
                )
                continue
            expected = addendum_hash(
                note.id,
                note.content_hash,
                add.text,
                add.author_id,
                add.created_at,
                version=add_version,
                author=_signer(add.signer),
            )
            if expected != add.content_hash:
                problems.append(
                    f"{here}.addenda[{j}].content_hash: does not match the addendum (it was "
                    "changed after it was signed)"
                )
            elif add.content_hash not in appended.get(note.id, set()):
                problems.append(
                    f"{here}.addenda[{j}].content_hash: no note.addendum event in $.audit "
                    "recorded this addendum"
                )
    return problems


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and float(a) == b)


def check_measures(doc: InterchangeDocument, instruments: LoadedInstruments) -> list[str]:
    """Every measure result scored again from its answers by its instrument's rules: total,
    band and flags must be what the instrument gives (a PHQ-9 total of 40, or item 9
    answered without its risk flag, is refused); a signed note's results must be the
    answers the note holds."""
    problems: list[str] = []
    note_answers: dict[tuple[str, str], dict[str, Any]] = {}
    for note in doc.notes:
        try:
            template = TemplateSpec.model_validate(note.template_snapshot)
        except ValidationError:
            continue
        for field in template.fields():
            answers = note.values.get(field.id)
            if isinstance(field, InstrumentField) and isinstance(answers, dict):
                given = {k: v for k, v in answers.items() if v is not None}
                note_answers[(note.id, field.instrument_id)] = given
    status = {n.id: n.status for n in doc.notes}
    for i, m in enumerate(doc.measures):
        here = f"$.measures[{i}]"
        instrument = instruments.get(m.instrument_id, m.instrument_version)
        if instrument is None:
            problems.append(
                f"{here}.instrument_id: instrument '{m.instrument_id}' version "
                f"{m.instrument_version} is not installed here, so its score cannot be "
                "checked; add it (Settings → Templates and instruments) and import again"
            )
            continue
        try:
            result = score(instrument, m.answers)
        except (AnswerError, TypeError, ValueError) as exc:
            problems.append(f"{here}.answers: {exc}")
            continue
        if not _same(m.total, result.total):
            expected = (
                "no total (the form is incomplete)" if result.total is None else (f"{result.total}")
            )
            problems.append(f"{here}.total: the answers give {expected}, not {m.total}")
        if m.band != result.band:
            problems.append(f"{here}.band: the answers give {result.band!r}, not {m.band!r}")
        flags = sorted(({"id": f.id, "label": f.label} for f in result.flags), key=str)
        if sorted(m.flags, key=str) != flags:
            raised = ", ".join(f["id"] for f in flags) or "none"
            problems.append(f"{here}.flags: the answers raise {raised}, not what the file says")
        in_note = note_answers.get((m.note_id or "", m.instrument_id))
        signed_note = m.note_id is not None and status.get(m.note_id) == NoteStatus.SIGNED
        if signed_note and in_note is not None and in_note != m.answers:
            problems.append(f"{here}.answers: differ from the answers in its signed note")
    return problems


def check_note_values(doc: InterchangeDocument) -> list[str]:
    """Every note's values against its own template snapshot: a value that is not of its
    field's type (text in a number, ``25:61`` in a time) is a problem naming its JSON path.
    Values outside the plausible range are only warnings in the editor, not problems."""
    problems: list[str] = []
    for i, note in enumerate(doc.notes):
        here = f"$.notes[{i}]"
        try:
            spec = TemplateSpec.model_validate(note.template_snapshot)
        except ValidationError:
            continue  # no field types to check against (the schema checked its shape)
        for field in spec.fields():
            value = note.values.get(field.id)
            if value is None or (isinstance(value, str) and not value.strip()):
                continue
            errors = [issue for issue in field.check_value(value) if issue.severity == "error"]
            problems.extend(f"{here}.values.{field.id}: {e.message}" for e in errors[:3])
    return problems


def read_document(
    path: Path, *, today: date | None = None, instruments: LoadedInstruments | None = None
) -> InterchangeDocument:
    """Read and validate an interchange file from disk (see :func:`parse_document`)."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise InterchangeError(source, ["no such file"]) from None
    except IsADirectoryError:
        raise InterchangeError(source, ["is a folder, not an export file"]) from None
    except OSError as exc:
        raise InterchangeError(source, [f"cannot be read ({exc.strerror})"]) from None
    return parse_document(raw, Path(path).name, today=today, instruments=instruments)


# --------------------------------------------------------------------------- export


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _export(session: Session) -> dict[str, Any]:
    def rows(model: type[Base], when: str) -> list[Any]:
        # Time, then id as text, sorted here: SQLite would put ids kept as text (an
        # imported file's own) before ids stored as bytes, whatever their text.
        return sorted(session.scalars(select(model)), key=lambda r: (getattr(r, when), r.id))

    clinicians = rows(Clinician, "created_at")
    clients = rows(Client, "created_at")
    courses = rows(Course, "created_at")
    notes = rows(Note, "created_at")
    measures = rows(MeasureResult, "administered_at")
    audit = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": _ts(utcnow()),
        "app_version": __version__,
        "clinicians": [
            {
                "id": c.id,
                "name": c.name,
                "credential": c.credential,
                "role": c.role,
                "created_at": _ts(c.created_at),
            }
            for c in clinicians
        ],
        "clients": [
            {
                "id": c.id,
                "name": c.name,
                "preferred_name": c.preferred_name,
                "date_of_birth": _day(c.date_of_birth),
                "pronouns": c.pronouns,
                "contact": c.contact,
                "emergency_contact": c.emergency_contact,
                "weight_kg": c.weight_kg,
                "diagnoses": c.diagnoses,
                "medications": c.medications,
                "allergies": c.allergies,
                "created_at": _ts(c.created_at),
                "updated_at": _ts(c.updated_at),
            }
            for c in clients
        ],
        "courses": [
            {
                "id": c.id,
                "client_id": c.client_id,
                "start_date": _day(c.start_date),
                "indication": c.indication,
                "planned_product": c.planned_product,
                "planned_route_detail": c.planned_route_detail,
                "status": c.status,
                "created_at": _ts(c.created_at),
            }
            for c in courses
        ],
        "notes": [_note_dict(n) for n in notes],
        "measures": [
            {
                "id": m.id,
                "client_id": m.client_id,
                "note_id": m.note_id,
                "course_id": m.course_id,
                "instrument_id": m.instrument_id,
                "instrument_version": m.instrument_version,
                "answers": m.answers,
                "total": m.total,
                "band": m.band,
                "flags": m.flags,
                "administered_at": _ts(m.administered_at),
                "acknowledged_by_id": m.acknowledged_by_id,
                "acknowledged_at": _ts(m.acknowledged_at),
                "acknowledgement": m.acknowledgement,
            }
            for m in measures
        ],
        "audit": [
            {
                "seq": a.seq,
                "at": _ts(a.at),
                "actor_id": a.actor_id,
                "action": a.action,
                "entity": a.entity,
                "entity_id": a.entity_id,
                "detail": a.detail,
                "prev_hash": a.prev_hash,
                "hash": a.hash,
            }
            for a in audit
        ],
    }


def _note_dict(n: Note) -> dict[str, Any]:
    return {
        "id": n.id,
        "course_id": n.course_id,
        "kind": n.kind,
        "template_id": n.template_id,
        "template_version": n.template_version,
        "template_snapshot": n.template_snapshot,
        "values": n.values,
        "status": n.status,
        "session_date": _day(n.session_date),
        "time_zone": n.time_zone,
        "started_at": _ts(n.started_at),
        "ended_at": _ts(n.ended_at),
        "signed_by_id": n.signed_by_id,
        "signed_at": _ts(n.signed_at),
        "content_hash": n.content_hash,
        "signature_version": n.signature_version,
        "signer": n.signer,
        "created_at": _ts(n.created_at),
        "updated_at": _ts(n.updated_at),
        "events": [
            {
                "id": e.id,
                "kind": e.kind,
                "recorded_at": _ts(e.recorded_at),
                "t_offset_s": e.t_offset_s,
                "data": e.data,
                "created_at": _ts(e.created_at),
                "updated_at": _ts(e.updated_at),
            }
            for e in sorted(n.events, key=lambda e: (e.recorded_at, e.id))
        ],
        "addenda": [
            {
                "id": a.id,
                "text": a.text,
                "author_id": a.author_id,
                "created_at": _ts(a.created_at),
                "content_hash": a.content_hash,
                "signature_version": a.signature_version,
                "signer": a.signer,
            }
            for a in sorted(n.addenda, key=lambda a: (a.created_at, a.id))
        ],
    }


def _counts(session: Session) -> dict[str, int]:
    tables: dict[str, type[Base]] = {
        "clinicians": Clinician,
        "clients": Client,
        "courses": Course,
        "notes": Note,
        "measures": MeasureResult,
    }
    return {
        name: session.scalar(select(func.count()).select_from(model)) or 0
        for name, model in tables.items()
    }


def export_vault(vault: OpenVault) -> dict[str, Any]:
    """The whole vault as an interchange document (plain JSON data); writes nothing."""
    with vault.session() as session:
        return _export(session)


def dumps(document: dict[str, Any]) -> bytes:
    """The bytes of an export file: indented UTF-8 JSON with a final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode()


def check_export_target(path: Path) -> Path:
    """The folder an export to ``path`` goes into; InterchangeError if it cannot go there."""
    path = Path(path)
    if path.is_dir():
        raise InterchangeError(str(path), ["is a folder; give the name of the file to write"])
    folder = path.parent
    if not folder.is_dir():
        raise InterchangeError(str(path), [f"the folder {folder} does not exist"])
    return folder


def comparable(document: dict[str, Any], *, importer_id: str | None = None) -> dict[str, Any]:
    """An export reduced to what export -> import -> export must keep unchanged.

    Dropped: ``exported_at`` and ``app_version`` (facts about the export run), each
    audit event's ``seq``, ``prev_hash`` and ``hash`` (an import re-links events into
    the target's own chain), and when ``importer_id`` is given, the importing
    vault's own clinician and every audit event that clinician wrote there
    (``vault.create``, ``vault.import``, ``vault.export``, …). Everything else:
    every record, field, id and timestamp, and each audit event's content and
    order, must be equal.
    """
    out = {k: v for k, v in document.items() if k not in {"exported_at", "app_version"}}
    out["clinicians"] = [c for c in document["clinicians"] if c["id"] != importer_id]
    out["audit"] = [
        {k: v for k, v in ev.items() if k not in {"seq", "prev_hash", "hash"}}
        for ev in document["audit"]
        if importer_id is None or ev["actor_id"] != importer_id
    ]
    return out


def export_json(vault: OpenVault, path: Path) -> dict[str, int]:
    """Write the whole vault to ``path`` (the only plaintext copy, where the user asked).

    The file is written to a temp file beside the target, synced, then renamed over
    it, so a failure leaves no half-written export. The export is recorded in the
    audit log (counts only, never the path, which may hold a name) in the same
    transaction, and the file holds that event too. Returns the record counts.
    """
    path = Path(path)
    check_export_target(path)
    with vault.session() as session:
        counts = _counts(session)
        record(session, vault.clinician_id, "vault.export", "vault", None, {"records": counts})
        # written inside the transaction: if the file cannot be written, no export is recorded
        atomic_write(path, dumps(_export(session)))
    return counts


# --------------------------------------------------------------------------- import


@dataclass(frozen=True)
class ImportSummary:
    """What an import added."""

    clinicians: int
    clients: int
    courses: int
    notes: int
    measures: int
    audit_events: int

    def describe(self) -> str:
        """One line for the terminal."""
        return (
            f"{self.clients} clients, {self.courses} courses, {self.notes} notes, "
            f"{self.measures} measure results, {self.clinicians} clinicians, "
            f"{self.audit_events} audit events"
        )


def _conflicts(session: Session, doc: InterchangeDocument) -> list[str]:
    wanted: dict[str, list[tuple[str, str]]] = {
        "clinician": [(c.id, f"$.clinicians[{i}].id") for i, c in enumerate(doc.clinicians)],
        "client": [(c.id, f"$.clients[{i}].id") for i, c in enumerate(doc.clients)],
        "course": [(c.id, f"$.courses[{i}].id") for i, c in enumerate(doc.courses)],
        "note": [(n.id, f"$.notes[{i}].id") for i, n in enumerate(doc.notes)],
        "note event": [
            (e.id, f"$.notes[{i}].events[{j}].id")
            for i, n in enumerate(doc.notes)
            for j, e in enumerate(n.events)
        ],
        "addendum": [
            (a.id, f"$.notes[{i}].addenda[{j}].id")
            for i, n in enumerate(doc.notes)
            for j, a in enumerate(n.addenda)
        ],
        "measure result": [(m.id, f"$.measures[{i}].id") for i, m in enumerate(doc.measures)],
    }
    columns: dict[str, Any] = {
        "clinician": Clinician.id,
        "client": Client.id,
        "course": Course.id,
        "note": Note.id,
        "note event": NoteEvent.id,
        "addendum": Addendum.id,
        "measure result": MeasureResult.id,
    }
    problems: list[str] = []
    for what, pairs in wanted.items():
        column = columns[what]
        ids = [id_ for id_, _ in pairs]
        present: set[str] = set()
        for start in range(0, len(ids), 500):
            present.update(
                session.scalars(select(column).where(column.in_(ids[start : start + 500])))
            )
        problems += [
            f"{where}: this vault already holds {_article(what)} {what} with id {id_!r}"
            for id_, where in pairs
            if id_ in present
        ]
    return problems


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _index_note(session: Session, note: NoteEntry) -> None:
    """Add an imported note to the full-text index, exactly as the note store does."""
    index_note(session, note.id, note.values, (a.text for a in note.addenda))


def import_document(
    vault: OpenVault, doc: InterchangeDocument, *, source: str = "import"
) -> ImportSummary:
    """Add everything in ``doc`` to the vault in ONE transaction, keeping every id.

    Refuses (ImportConflictError, nothing written) when any id already exists in
    the vault. The file's audit events are appended to this vault's chain in their
    order with their content (time, actor, action, entity, detail) unchanged; their
    seq, prev_hash and hash are those of this vault's chain, since a hash chain
    cannot hold two starts. The closing ``vault.import`` event records the source
    chain's head hash and where the imported segment sits, so the original chain
    can be recomputed from the segment and checked against it.
    """
    problems = check_signatures(doc) + check_measures(doc, _instruments_of(vault))
    if problems:
        raise InterchangeError(source, problems)
    with vault.session() as session:
        conflicts = _conflicts(session, doc)
        if conflicts:
            conflicts.insert(
                0,
                f"{len(conflicts)} record(s) in the file are already in this vault (was it "
                "imported before?); import adds records and never replaces them, so nothing "
                "was imported",
            )
            raise ImportConflictError(source, conflicts)
        session.add_all(
            Clinician(
                id=c.id, name=c.name, credential=c.credential, role=c.role, created_at=c.created_at
            )
            for c in doc.clinicians
        )
        session.flush()
        session.add_all(Client(**c.model_dump()) for c in doc.clients)
        session.flush()
        session.add_all(
            Course(
                id=c.id,
                client_id=c.client_id,
                start_date=c.start_date,
                indication=c.indication,
                planned_product=c.planned_product.value,
                planned_route_detail=c.planned_route_detail,
                status=c.status.value,
                created_at=c.created_at,
            )
            for c in doc.courses
        )
        session.flush()
        _import_notes(session, doc.notes, doc.measures)
        first_seq, last_seq = _import_audit(session, doc.audit)
        source_head = doc.audit[-1].hash if doc.audit else GENESIS
        summary = ImportSummary(
            clinicians=len(doc.clinicians),
            clients=len(doc.clients),
            courses=len(doc.courses),
            notes=len(doc.notes),
            measures=len(doc.measures),
            audit_events=len(doc.audit),
        )
        record(
            session,
            vault.clinician_id,
            "vault.import",
            "vault",
            None,
            {
                "format_version": doc.version,
                "source_app_version": doc.app_version,
                "source_exported_at": _ts(doc.exported_at),
                "source_chain_head": source_head,
                "segment_first_seq": first_seq,
                "segment_last_seq": last_seq,
                "records": {
                    "clinicians": summary.clinicians,
                    "clients": summary.clients,
                    "courses": summary.courses,
                    "notes": summary.notes,
                    "measures": summary.measures,
                    "audit_events": summary.audit_events,
                },
            },
        )
        return summary


def _import_notes(
    session: Session, notes: Sequence[NoteEntry], measures: Sequence[MeasureEntry]
) -> None:
    # The database refuses events and measures added to a signed note (migrations 0002
    # and 0006), and addenda added to a draft: so notes go in as drafts, get their
    # events and measures, then take their status back, then their addenda. The update
    # names updated_at so the column's onupdate cannot touch it.
    fields = {"events", "addenda", "status", "kind", "signer"}
    session.add_all(
        Note(
            **n.model_dump(exclude=fields),
            kind=n.kind.value,
            status=NoteStatus.DRAFT.value,
            signer=n.signer.model_dump() if n.signer is not None else None,
        )
        for n in notes
    )
    session.flush()
    session.add_all(NoteEvent(note_id=n.id, **e.model_dump()) for n in notes for e in n.events)
    session.flush()
    session.add_all(MeasureResult(**m.model_dump()) for m in measures)
    session.flush()
    place_in_courses(session, [m.id for m in measures if m.course_id is None])
    for n in notes:
        if n.status != NoteStatus.DRAFT:
            session.execute(
                update(Note)
                .where(Note.id == n.id)
                .values(status=n.status.value, updated_at=n.updated_at)
                .execution_options(synchronize_session=False)
            )
    session.add_all(
        Addendum(
            note_id=n.id,
            **a.model_dump(exclude={"signer"}),
            signer=a.signer.model_dump() if a.signer is not None else None,
        )
        for n in notes
        for a in n.addenda
    )
    session.flush()
    for n in notes:
        _index_note(session, n)


def _instruments_of(vault: OpenVault) -> LoadedInstruments:
    """The instruments this vault scores with: bundled, then the clinic's own files."""
    folder = vault.vault.data_dir / "instruments"
    return load_instruments([folder] if folder.is_dir() else [])


def _import_audit(session: Session, audit: Sequence[AuditEntry]) -> tuple[int | None, int | None]:
    last = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).first()
    prev = last.hash if last is not None else GENESIS
    added: list[AuditEvent] = []
    for ev in audit:
        at = ev.at.astimezone(UTC)
        digest = event_hash(prev, at, ev.actor_id, ev.action, ev.entity, ev.entity_id, ev.detail)
        added.append(
            AuditEvent(
                at=at,
                actor_id=ev.actor_id,
                action=ev.action,
                entity=ev.entity,
                entity_id=ev.entity_id,
                detail=ev.detail,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    session.add_all(added)
    session.flush()
    appended(session, len(added))
    if not added:
        return None, None
    return added[0].seq, added[-1].seq


def verify_imported_segments(session: Session) -> list[str]:
    """Problems with imported audit segments; empty when each reproduces its source chain.

    Each ``vault.import`` event names the seq range of the segment it appended and
    the source chain's head hash; re-chaining that segment from the genesis hash
    must give the head again. Import events that themselves arrived inside a later
    import's segment are covered by that outer check (their seq numbers belong to
    the vault they were first made in), so they are skipped.
    """
    problems: list[str] = []
    imports = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "vault.import")
        .order_by(AuditEvent.seq.desc())
    )
    covered: list[tuple[int, int]] = []
    for imp in imports:
        if any(lo <= imp.seq <= hi for lo, hi in covered):
            continue
        first = imp.detail.get("segment_first_seq")
        last = imp.detail.get("segment_last_seq")
        head = imp.detail.get("source_chain_head")
        if not isinstance(first, int) or not isinstance(last, int):
            continue
        covered.append((first, last))
        prev = GENESIS
        segment = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq >= first, AuditEvent.seq <= last)
            .order_by(AuditEvent.seq)
        )
        for ev in segment:
            prev = event_hash(
                prev, ev.at, ev.actor_id, ev.action, ev.entity, ev.entity_id, ev.detail
            )
        if prev != head:
            problems.append(
                f"audit events {first}-{last}: the imported segment no longer reproduces the "
                f"source chain head recorded by audit event {imp.seq}"
            )
    return problems


# --------------------------------------------------------------------------- schema tool


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kapnotes.store.interchange",
        description="The JSON Schema of the kapnotes interchange format.",
    )
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--schema", action="store_true", help="print the schema")
    group.add_argument(
        "--write-schema", action="store_true", help=f"rewrite resources/schema/{SCHEMA_FILE}"
    )
    args = parser.parse_args(argv)
    if args.schema:
        sys.stdout.write(schema_text())
    else:
        schema_path().write_text(schema_text(), encoding="utf-8")
        print(f"wrote {schema_path()}")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
