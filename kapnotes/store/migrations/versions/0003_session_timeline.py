"""Every clock time of a note gets its instant: the note's zone, and ``_instants`` in rows.

Draft notes get the computer's time zone (as their clock times were written in it)
and an instant beside every clock time of their rows and time fields, placed on
the session's day exactly as the app reads them (so no shown time changes).
Signed notes are never rewritten (their content is signed): their zone stays
empty and their instants are placed the same way each time they are read.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

from kapnotes.domain.note_times import place_times
from kapnotes.domain.templates import TemplateSpec
from kapnotes.domain.timeline import INSTANTS_KEY, SessionTimeline, system_zone_name
from kapnotes.store.models import unpack_json

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def _drafts(conn: sa.Connection) -> list[Any]:
    return list(
        conn.execute(
            sa.text(
                'SELECT id, template_snapshot, "values", session_date FROM note '
                "WHERE status = 'draft'"
            )
        )
    )


def upgrade() -> None:
    """Add ``note.time_zone``; place the instants of every draft's clock times."""
    op.add_column("note", sa.Column("time_zone", sa.String(64), nullable=True))
    conn = op.get_bind()
    zone = system_zone_name()
    for note_id, snapshot, raw_values, day in _drafts(conn):
        values = unpack_json(raw_values) if raw_values is not None else None
        spec_data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
        try:
            spec = TemplateSpec.model_validate(spec_data)
        except ValueError:
            spec = None  # an unreadable snapshot: keep the note as it is, zone only
        if spec is not None and isinstance(values, dict):
            timeline = SessionTimeline.of(zone, date.fromisoformat(str(day)[:10]))
            values, _times = place_times(spec, values, timeline)
        conn.execute(
            sa.text('UPDATE note SET time_zone = :zone, "values" = :values WHERE id = :id'),
            {"zone": zone, "values": json.dumps(values), "id": note_id},
        )


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != INSTANTS_KEY}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def downgrade() -> None:
    """Drop the instants of drafts and the zone column."""
    conn = op.get_bind()
    for note_id, _snapshot, raw_values, _day in _drafts(conn):
        values = unpack_json(raw_values) if raw_values is not None else None
        conn.execute(
            sa.text('UPDATE note SET "values" = :values WHERE id = :id'),
            {"values": json.dumps(_strip(values)), "id": note_id},
        )
    op.execute("ALTER TABLE note DROP COLUMN time_zone")
