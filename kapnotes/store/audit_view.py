"""Reading the audit trail: filtered by client, clinician, action and date range.

What Settings → Audit trail shows and exports. Each event is resolved to the
client it concerns (a client, course, note or measure event) and to the name of
the clinician who did it; :func:`chain_state` says whether the hash chain holds.
Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from kapnotes.store.audit import verify_chain
from kapnotes.store.models import AuditEvent, Client, Clinician, Course, MeasureResult, Note
from kapnotes.store.vault import OpenVault

#: At most this many events are read for one view (the newest first).
MAX_ROWS = 20_000


@dataclass(frozen=True)
class AuditQuery:
    """Filters; an empty one shows everything (the newest ``limit`` events)."""

    client_id: str | None = None
    clinician_id: str | None = None
    actions: Sequence[str] = ()
    since: datetime | None = None
    until: datetime | None = None
    limit: int = MAX_ROWS


@dataclass(frozen=True)
class AuditRow:
    """One event as the viewer shows it."""

    seq: int
    at: datetime
    actor_id: str | None
    actor_name: str
    action: str
    entity: str
    entity_id: str | None
    client_id: str | None
    client_name: str
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainState:
    """Whether the audit chain verifies, and what is wrong when it does not."""

    events: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        """True when every link holds."""
        return not self.problems


def chain_state(vault: OpenVault) -> ChainState:
    """Verify the whole chain (every event's hash and link)."""
    with vault.session() as session:
        problems = verify_chain(session)
        count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    return ChainState(count, problems)


def actions(vault: OpenVault) -> list[str]:
    """Every action that occurs in the trail, sorted (for the action filter)."""
    with vault.session() as session:
        return sorted(set(session.scalars(select(AuditEvent.action).distinct())))


def _client_of(session: Any) -> dict[tuple[str, str], str]:
    """(entity, id) -> client id, for client, course, note and measure_result events."""
    out: dict[tuple[str, str], str] = {}
    for cid in session.scalars(select(Client.id)):
        out[("client", cid)] = cid
    for course_id, cid in session.execute(select(Course.id, Course.client_id)):
        out[("course", course_id)] = cid
    for note_id, cid in session.execute(
        select(Note.id, Course.client_id).join(Course, Note.course_id == Course.id)
    ):
        out[("note", note_id)] = cid
    for measure_id, cid in session.execute(select(MeasureResult.id, MeasureResult.client_id)):
        out[("measure_result", measure_id)] = cid
    return out


def audit_events(vault: OpenVault, query: AuditQuery = AuditQuery()) -> list[AuditRow]:
    """The events that match ``query``, newest first."""
    with vault.session() as session:
        names = {c.id: c.name for c in session.scalars(select(Clinician))}
        clients: dict[str, str] = {
            cid: name for cid, name in session.execute(select(Client.id, Client.name))
        }
        owner = _client_of(session)
        stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
        if query.clinician_id:
            stmt = stmt.where(AuditEvent.actor_id == query.clinician_id)
        if query.actions:
            stmt = stmt.where(AuditEvent.action.in_(list(query.actions)))
        if query.since is not None:
            stmt = stmt.where(AuditEvent.at >= query.since)
        if query.until is not None:
            stmt = stmt.where(AuditEvent.at < query.until)
        rows: list[AuditRow] = []
        for event in session.scalars(stmt):
            client_id = (
                owner.get((event.entity, event.entity_id)) if event.entity_id is not None else None
            )
            if query.client_id and client_id != query.client_id:
                continue
            rows.append(
                AuditRow(
                    seq=event.seq,
                    at=event.at,
                    actor_id=event.actor_id,
                    actor_name=names.get(event.actor_id or "", ""),
                    action=event.action,
                    entity=event.entity,
                    entity_id=event.entity_id,
                    client_id=client_id,
                    client_name=clients.get(client_id, "") if client_id else "",
                    detail=dict(event.detail or {}),
                )
            )
            if len(rows) >= query.limit:
                break
        return rows


def clinicians(vault: OpenVault) -> list[tuple[str, str]]:
    """(id, name) of every clinician, for the clinician filter."""
    with vault.session() as session:
        return [(c.id, c.name) for c in session.scalars(select(Clinician).order_by(Clinician.name))]


def client_names(vault: OpenVault) -> list[tuple[str, str]]:
    """(id, name) of every client, for the client filter."""
    with vault.session() as session:
        return [
            (cid, name)
            for cid, name in session.execute(select(Client.id, Client.name).order_by(Client.name))
        ]


def describe(row: AuditRow) -> str:
    """The event's detail in a line: settings changes as old → new, else key: value."""
    changes = row.detail.get("changes")
    if isinstance(changes, dict):
        return "; ".join(
            _change(path, value.get("old"), value.get("new"))
            for path, value in changes.items()
            if isinstance(value, dict)
        )
    return "; ".join(f"{key}: {value}" for key, value in row.detail.items())


def _items(value: object) -> list[dict[str, Any]] | None:
    """A checklist's items (``[{"value", "label", …}]``), else None."""
    if isinstance(value, list) and all(isinstance(i, dict) and "value" in i for i in value):
        return value
    return None


def _change(path: str, old: object, new: object) -> str:
    """``path: old → new``; a checklist as what was added, removed, reworded or moved."""
    before, after = _items(old), _items(new)
    if before is None or after is None:
        return f"{path}: {old!r} → {new!r}"
    was = {str(i["value"]): i for i in before}
    now = {str(i["value"]): i for i in after}
    said = [f"added {now[v].get('label')!r}" for v in now if v not in was]
    said += [f"removed {was[v].get('label')!r}" for v in was if v not in now]
    for value in (v for v in now if v in was):
        old_item, new_item = was[value], now[value]
        if old_item.get("label") != new_item.get("label"):
            said.append(f"reworded {old_item.get('label')!r} → {new_item.get('label')!r}")
        if old_item.get("only_for") != new_item.get("only_for"):
            shown = new_item.get("only_for") or "every product"
            said.append(f"{new_item.get('label')!r} now shown for {shown}")
    kept = [v for v in now if v in was]
    if kept != [v for v in was if v in now]:
        said.append("order changed")
    return f"{path}: {', '.join(said) or 'unchanged'}"


CSV_COLUMNS = ("seq", "time_utc", "clinician", "action", "entity", "entity_id", "client", "detail")


#: A cell a spreadsheet would take for a formula starts with one of these (OWASP, "CSV
#: injection"); such a cell is written with a leading apostrophe, shown as text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_bytes(rows: Sequence[AuditRow]) -> bytes:
    """The rows as CSV (UTF-8, a header row): plaintext, written only where the user asks.

    Names and details that a spreadsheet would run as a formula (``=HYPERLINK(…)`` as a
    client's name) are written as text, with a leading apostrophe.
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow(
            [
                row.seq,
                row.at.isoformat(),
                _cell(row.actor_name),
                row.action,
                row.entity,
                row.entity_id or "",
                _cell(row.client_name),
                _cell(describe(row)),
            ]
        )
    return buffer.getvalue().encode("utf-8")


def export_csv(vault: OpenVault, rows: Sequence[AuditRow], path: Any) -> None:
    """Write ``rows`` to ``path`` atomically and record the export (the count, never the path)."""
    from pathlib import Path

    from kapnotes.domain.files import atomic_write
    from kapnotes.store.audit import record

    target = Path(path)
    with vault.session() as session:
        record(session, vault.clinician_id, "audit.export", "vault", None, {"rows": len(rows)})
        atomic_write(target, csv_bytes(rows))
