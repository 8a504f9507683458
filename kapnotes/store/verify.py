"""``kapnotes verify``: every integrity check of an open vault, each problem named.

:func:`verify_vault` returns one :class:`Section` per check, in the order they are
printed: what the unlock found (a vault opened only to report), the database's
structure, every encrypted page, the key file's wraps, the audit chain and its
anchor, that every signature and addendum is in the audit trail, the signatures
themselves, the protective triggers, the search index against the notes, the
template snapshots against their addresses, every measure scored again by
its instrument, every id stored as kapnotes stores it, and every reference
between records leading to one that exists. A check the damage
stops is a problem of its own ("could not be read"), never an unexpected error.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError, SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from kapnotes.domain.canonical import content_hash
from kapnotes.domain.instruments import AnswerError, LoadedInstruments, score
from kapnotes.domain.notes import NoteStatus
from kapnotes.domain.templates import InstrumentField, TemplateSpec
from kapnotes.store.audit import verify_chain
from kapnotes.store.integrity import trigger_findings
from kapnotes.store.interchange import verify_imported_segments
from kapnotes.store.models import (
    CANONICAL_ID_GLOB,
    Addendum,
    AuditEvent,
    Base,
    Client,
    MeasureResult,
    Note,
    StoredId,
    TemplateSnapshot,
    id_from_stored,
)
from kapnotes.store.notes import NoteStore
from kapnotes.store.search_index import definition_problem, index_differences, note_body
from kapnotes.store.vault import OpenVault

MAX_SHOWN = 20


@dataclass
class Section:
    """One check: its label, the problems it found (none: ok) and notes worth printing."""

    label: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the check found nothing wrong."""
        return not self.problems


def _guarded(label: str, check: Callable[[], Section]) -> Section:
    try:
        return check()
    except DatabaseError as exc:
        reason = "the database is damaged" if _damage(exc) else "the database refused to read"
        return Section(label, [f"could not be checked: {reason} ({type(exc.orig).__name__})"])
    except SQLAlchemyError as exc:
        return Section(label, [f"could not be checked ({type(exc).__name__})"])


def _damage(exc: DatabaseError) -> bool:
    code = getattr(exc.orig, "sqlite_errorcode", 0) & 0xFF
    return code in (11, 26)  # SQLITE_CORRUPT, SQLITE_NOTADB


def _pragma_rows(vault: OpenVault, pragma: str) -> list[str]:
    with vault.engine.connect() as conn:
        return [str(row[0]) for row in conn.exec_driver_sql(f"PRAGMA {pragma}")]


def _structure(vault: OpenVault) -> Section:
    rows = _pragma_rows(vault, "integrity_check")
    return Section("database integrity", [] if rows == ["ok"] else rows)


def _pages(vault: OpenVault) -> Section:
    return Section("encrypted pages (HMAC)", _pragma_rows(vault, "cipher_integrity_check"))


def _audit(vault: OpenVault) -> Section:
    with vault.session() as session:
        count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        problems = verify_chain(session) + verify_imported_segments(session)
        head = session.execute(
            select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
        ).first()
        accepted = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "vault.problems_accepted")
        ).all()
    problems += vault.anchor_problems()
    notes = []
    if head is not None:
        notes.append(f"head: event {head[0]}, {head[1]} (note it down elsewhere to compare later)")
    for event in accepted:
        found = event.detail.get("found") or []
        notes.append(
            f"event {event.seq} ({event.at:%Y-%m-%d %H:%M} UTC): opened as it was, with "
            f"{len(found)} problem{'s' if len(found) != 1 else ''} accepted: "
            + "; ".join(str(f) for f in found)
        )
    return Section(f"audit chain ({count} events)", problems, notes)


def _recorded(session: Session, action: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for entity_id, detail in session.execute(
        select(AuditEvent.entity_id, AuditEvent.detail).where(AuditEvent.action == action)
    ):
        digest = detail.get("hash") if isinstance(detail, dict) else None
        if entity_id is not None and isinstance(digest, str):
            out.setdefault(entity_id, set()).add(digest)
    return out


def _trail_covers_signatures(vault: OpenVault) -> Section:
    """Each signed note's hash and each addendum's was recorded by the audit trail when it
    was made: a note re-signed or an addendum added behind the app's back is not."""
    problems: list[str] = []
    with vault.session() as session:
        signed = _recorded(session, "note.sign")
        appended = _recorded(session, "note.addendum")
        for note_id, day, digest in session.execute(
            select(Note.id, Note.session_date, Note.content_hash).where(
                Note.status == NoteStatus.SIGNED.value
            )
        ):
            if digest not in signed.get(note_id, set()):
                problems.append(
                    f"note {note_id} (session {day.isoformat()}): its signature is not the one "
                    "the audit trail recorded at signing"
                )
        for addendum_id, note_id, digest in session.execute(
            select(Addendum.id, Addendum.note_id, Addendum.content_hash)
        ):
            if digest not in appended.get(note_id, set()):
                problems.append(
                    f"addendum {addendum_id} of note {note_id}: not recorded by the audit trail "
                    "(added outside kapnotes)"
                )
    return Section("signatures in the audit trail", problems)


def _signatures(vault: OpenVault) -> Section:
    signed, problems = NoteStore(vault).signature_problems()
    return Section(f"signed notes ({signed})", problems)


def _triggers(vault: OpenVault) -> Section:
    with vault.engine.connect() as conn:
        return Section("protective triggers", trigger_findings(conn))


def _search_index(vault: OpenVault) -> Section:
    problems: list[str] = []
    with vault.session() as session:
        mapped = {
            str(id_from_stored(note_id)): int(rowid)
            for note_id, rowid in session.execute(
                text("SELECT note_id, fts_rowid FROM note_fts_row")
            )
        }
        # Addenda loaded with their notes (one query), not note by note.
        notes = session.scalars(select(Note).options(selectinload(Note.addenda))).all()
        known = {n.id for n in notes}
        expected = {
            mapped[n.id]: note_body(n.values, (a.text for a in n.addenda))
            for n in notes
            if n.id in mapped
        }
        defined = definition_problem(session)
        found = index_differences(session, expected)
    by_row = {rowid: note_id for note_id, rowid in mapped.items()}
    if defined is not None:
        problems.append(defined)
    if found.broken is not None:
        problems.append(f"the search index is damaged ({found.broken})")
    for note in notes:
        rowid = mapped.get(note.id)
        if rowid is None or rowid in found.missing:
            problems.append(f"note {note.id}: missing from the search index")
        elif rowid in found.differing:
            problems.append(
                f"note {note.id}: its search index row does not match the note (searches "
                "would find words it does not hold, or miss words it does)"
            )
    stray = sorted(
        {n for n in mapped if n not in known} | {by_row.get(r, f"row {r}") for r in found.stray}
    )
    problems += [f"search index row for a note that does not exist ({n})" for n in stray]
    return Section(f"search index ({len(notes)} notes)", problems)


def _snapshots(vault: OpenVault) -> Section:
    problems: list[str] = []
    with vault.session() as session:
        snapshots = session.scalars(select(TemplateSnapshot)).all()
        for snapshot in snapshots:
            if content_hash(snapshot.body) != snapshot.hash:
                problems.append(
                    f"template snapshot {snapshot.hash[:12]}…: its content no longer matches its "
                    "address (the template notes were written with was changed)"
                )
    return Section(f"template snapshots ({len(snapshots)})", problems)


def _measures(vault: OpenVault, instruments: LoadedInstruments) -> Section:
    problems: list[str] = []
    unknown: set[str] = set()
    with vault.session() as session:
        measures = session.scalars(select(MeasureResult)).all()
        for m in measures:
            spec = instruments.get(m.instrument_id, m.instrument_version)
            if spec is None:
                unknown.add(f"{m.instrument_id} v{m.instrument_version}")
                continue
            try:
                result = score(spec, m.answers)
            except (AnswerError, TypeError, ValueError):
                problems.append(f"measure {m.id}: its answers do not fit {spec.short_name}")
                continue
            flags = sorted(f.id for f in result.flags)
            recorded = sorted(str(f.get("id")) for f in m.flags if isinstance(f, dict))
            total_ok = (m.total is None) == (result.total is None) and (
                m.total is None or float(m.total) == result.total
            )
            if not total_ok or m.band != result.band or flags != recorded:
                problems.append(
                    f"measure {m.id} ({spec.short_name}): its score, band or flags are not "
                    "what its answers give"
                )
            note = session.get(Note, m.note_id) if m.note_id else None
            if note is not None and note.status == NoteStatus.SIGNED.value:
                problems += _against_note(m, note)
    notes = [f"not checked (instrument not installed): {', '.join(sorted(unknown))}"]
    return Section(f"measures ({len(measures)})", problems, notes if unknown else [])


def _against_note(m: MeasureResult, note: Note) -> list[str]:
    try:
        spec = TemplateSpec.model_validate(note.template_snapshot)
    except ValueError:
        return []
    for f in spec.fields():
        if isinstance(f, InstrumentField) and f.instrument_id == m.instrument_id:
            answers = note.values.get(f.id)
            given = {k: v for k, v in answers.items() if v is not None} if answers else {}
            if given and given != m.answers:
                return [f"measure {m.id}: differs from the answers its signed note holds"]
    return []


def _ids(vault: OpenVault) -> Section:
    """kapnotes' own ids (UUIDs) are stored as 16 bytes: one stored as its text was written
    past kapnotes (raw SQL), and no lookup by that id finds the row."""
    columns = [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, StoredId)
    ]
    columns.append(("note_fts_row", "note_id"))  # the search index's map (no model)
    problems: list[str] = []
    with vault.engine.connect() as conn:
        for table, column in columns:
            # Names from the models only; the pattern is a bound value.
            found = conn.execute(
                text(
                    f"SELECT COUNT(*) FROM {table} "  # noqa: S608
                    f"WHERE typeof({column}) = 'text' AND {column} GLOB :p"
                ),
                {"p": CANONICAL_ID_GLOB},
            ).scalar_one()
            if found:
                problems.append(
                    f"{table}.{column}: {found} id{'s' if found != 1 else ''} stored as text, "
                    "not as kapnotes stores them (written outside kapnotes): kapnotes does "
                    "not find those rows by their id"
                )
    return Section(f"ids ({len(columns)} columns)", problems)


#: At most this many broken references are named one by one.
MAX_REFERENCES_NAMED = 20


def _references(vault: OpenVault) -> Section:
    """Every reference between records (SQLite's foreign keys) leads to a record that
    exists: one changed past kapnotes (raw SQL) may point at nothing."""
    problems: list[str] = []
    with vault.engine.connect() as conn:
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        for table, rowid, parent, _fk in broken[:MAX_REFERENCES_NAMED]:
            model = Base.metadata.tables.get(table)
            row_id = None
            if model is not None and "id" in model.columns:  # a name from the models only
                row_id = conn.execute(
                    text(f"SELECT id FROM {table} WHERE rowid = :r"),  # noqa: S608
                    {"r": rowid},
                ).scalar()
            which = f"{table} {id_from_stored(row_id)}" if row_id else f"{table} row {rowid}"
            problems.append(f"{which}: refers to a {parent} that does not exist")
        if len(broken) > MAX_REFERENCES_NAMED:
            problems.append(f"… and {len(broken) - MAX_REFERENCES_NAMED} more such references")
    return Section("references between records", problems)


def _clients(vault: OpenVault) -> Section:
    with vault.session() as session:
        count = session.scalar(select(func.count()).select_from(Client)) or 0
    return Section(f"clients: {count}")


def verify_vault(vault: OpenVault, instruments: LoadedInstruments) -> list[Section]:
    """Every check, in order (see the module docstring)."""
    sections: list[Section] = []
    if vault.findings:
        sections.append(Section("vault as last saved", list(vault.findings)))
    if not vault.diagnostic:
        try:
            vault.checkpoint()  # so the page check covers what the WAL held
        except DatabaseError:
            sections.append(Section("write-ahead log", ["could not be folded into the database"]))
    checks: list[tuple[str, Callable[[], Section]]] = [
        ("database integrity", lambda: _structure(vault)),
        ("encrypted pages (HMAC)", lambda: _pages(vault)),
        ("key file", lambda: Section("key file", vault.key_file_problems())),
        ("audit chain", lambda: _audit(vault)),
        ("signatures in the audit trail", lambda: _trail_covers_signatures(vault)),
        ("signed notes", lambda: _signatures(vault)),
        ("protective triggers", lambda: _triggers(vault)),
        ("search index", lambda: _search_index(vault)),
        ("template snapshots", lambda: _snapshots(vault)),
        ("measures", lambda: _measures(vault, instruments)),
        ("ids", lambda: _ids(vault)),
        ("references between records", lambda: _references(vault)),
        ("clients", lambda: _clients(vault)),
    ]
    sections += [_guarded(label, check) for label, check in checks]
    if vault.findings:  # the open-time findings are repeated by the checks: show them once
        shown = set(vault.findings)
        for section in sections[1:]:
            section.problems = [p for p in section.problems if p not in shown]
    return sections
