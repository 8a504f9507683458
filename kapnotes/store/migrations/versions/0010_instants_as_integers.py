"""Instants are stored as whole microseconds since 1970 UTC (8 bytes instead of 26).

SQLite has no date type: SQLAlchemy wrote every instant as the text
``2026-11-29 10:05:00.000000``. :class:`kapnotes.store.models.UTCDateTime` now
writes an integer (the same instant exactly, to the microsecond) and still reads
the text. Every instant column is rewritten once; a vault of 20,000 notes and
200,000 session entries holds about 720,000 of them (13 MB of text). Nothing
signed changes: signatures, content hashes and the audit chain are computed over
the instants as values, never over the stored bytes. The protective triggers
are lifted for these statements and put back word for word as the vault had
them (a missing one stays missing, for ``verify`` to name). The columns keep
their declared type. Downgrading writes the text again.

The pages freed here and by 0009 are given back to the file system by the
``VACUUM`` an unlock runs after upgrading an older vault (see
:func:`kapnotes.store.vault.upgrade_schema`).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import sqlalchemy as sa
from alembic import op

from kapnotes.store.models import from_stored_instant, utc_micros
from kapnotes.store.protection import lifted

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None

#: Every instant column at this revision, by table.
INSTANTS: dict[str, tuple[str, ...]] = {
    "audit_event": ("at",),
    "client": ("created_at", "updated_at"),
    "clinician": ("created_at",),
    "course": ("created_at",),
    "note": ("started_at", "ended_at", "signed_at", "created_at", "updated_at"),
    "addendum": ("created_at",),
    "measure_result": ("administered_at", "acknowledged_at"),
    "note_event": ("recorded_at", "created_at", "updated_at"),
}


def _as_text(stored: Any) -> str | None:
    """An instant as SQLAlchemy's SQLite datetime type wrote it (UTC, no zone)."""
    instant = from_stored_instant(stored)
    if instant is None:
        return None
    return instant.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def _as_micros(stored: Any) -> int | None:
    return utc_micros(from_stored_instant(stored))


def _rewrite(stored_as: str, convert: Callable[[Any], Any]) -> None:
    conn = op.get_bind()
    with lifted(conn):
        for table, columns in INSTANTS.items():
            listed = ", ".join(columns)
            which = " OR ".join(f"typeof({c}) = '{stored_as}'" for c in columns)
            rows = conn.execute(
                sa.text(f"SELECT rowid, {listed} FROM {table} WHERE {which}")  # noqa: S608
            ).all()
            if not rows:
                continue
            setting = ", ".join(f"{c} = :c{i}" for i, c in enumerate(columns))
            conn.execute(
                sa.text(f"UPDATE {table} SET {setting} WHERE rowid = :r"),  # noqa: S608
                [
                    {"r": row[0], **{f"c{i}": convert(v) for i, v in enumerate(row[1:])}}
                    for row in rows
                ],
            )


def upgrade() -> None:
    """Every instant written as microseconds since 1970 UTC."""
    _rewrite("text", _as_micros)


def downgrade() -> None:
    """Every instant written as text again."""
    _rewrite("integer", _as_text)
