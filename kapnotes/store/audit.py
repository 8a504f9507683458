"""Append-only, hash-chained audit log: each event's hash covers the previous one."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kapnotes.store.models import AuditEvent, utcnow

GENESIS = "0" * 64
#: session.info key: how many audit events this transaction appended (the vault checks
#: that no others appeared, see kapnotes.store.vault.OpenVault.session).
APPENDED = "kapnotes_audit_appended"


def appended(session: Session, count: int = 1) -> None:
    """Note that ``count`` events were appended to the chain in this transaction."""
    session.info[APPENDED] = session.info.get(APPENDED, 0) + count


def event_hash(
    prev_hash: str,
    at: datetime,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    detail: dict[str, Any],
) -> str:
    """SHA-256 over the previous hash and this event's canonical JSON."""
    body = json.dumps(
        {
            "prev": prev_hash,
            "at": at.isoformat(),
            "actor": actor_id,
            "action": action,
            "entity": entity,
            "entity_id": entity_id,
            "detail": detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    session: Session,
    actor_id: str | None,
    action: str,
    entity: str,
    entity_id: str | None,
    detail: dict[str, Any],
) -> AuditEvent:
    """Append one event to the chain (inside the caller's transaction)."""
    last = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    prev = last if last is not None else GENESIS
    at = utcnow().replace(microsecond=0)
    ev = AuditEvent(
        at=at,
        actor_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        detail=detail,
        prev_hash=prev,
        hash=event_hash(prev, at, actor_id, action, entity, entity_id, detail),
    )
    session.add(ev)
    session.flush()
    appended(session)
    return ev


def verify_chain(session: Session) -> list[str]:
    """Problems found in the audit chain (empty when every link holds)."""
    problems: list[str] = []
    prev = GENESIS
    for ev in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
        if ev.prev_hash != prev:
            problems.append(f"audit event {ev.seq}: previous-hash link broken")
        expected = event_hash(
            ev.prev_hash, ev.at, ev.actor_id, ev.action, ev.entity, ev.entity_id, ev.detail
        )
        if ev.hash != expected:
            problems.append(f"audit event {ev.seq}: content does not match its hash")
        prev = ev.hash
    return problems
