"""Signed notes are read-only in the database itself; full-text search over notes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_REFUSE = "SELECT RAISE(ABORT, 'kapnotes: a signed note is read-only; add an addendum instead')"
_APPEND_ONLY = "SELECT RAISE(ABORT, 'kapnotes: this record is append-only')"
_NOTE_SIGNED = "(SELECT status FROM note WHERE id = {ref}.note_id) = 'signed'"

TRIGGERS = {
    "note_signed_no_update": f"""
        CREATE TRIGGER note_signed_no_update BEFORE UPDATE ON note
        WHEN OLD.status = 'signed' BEGIN {_REFUSE}; END""",
    "note_signed_no_delete": f"""
        CREATE TRIGGER note_signed_no_delete BEFORE DELETE ON note
        WHEN OLD.status = 'signed' BEGIN {_REFUSE}; END""",
    "note_event_signed_no_insert": f"""
        CREATE TRIGGER note_event_signed_no_insert BEFORE INSERT ON note_event
        WHEN {_NOTE_SIGNED.format(ref="NEW")} BEGIN {_REFUSE}; END""",
    "note_event_signed_no_update": f"""
        CREATE TRIGGER note_event_signed_no_update BEFORE UPDATE ON note_event
        WHEN {_NOTE_SIGNED.format(ref="OLD")} BEGIN {_REFUSE}; END""",
    "note_event_signed_no_delete": f"""
        CREATE TRIGGER note_event_signed_no_delete BEFORE DELETE ON note_event
        WHEN {_NOTE_SIGNED.format(ref="OLD")} BEGIN {_REFUSE}; END""",
    "addendum_no_update": f"""
        CREATE TRIGGER addendum_no_update BEFORE UPDATE ON addendum
        BEGIN {_APPEND_ONLY}; END""",
    "addendum_no_delete": f"""
        CREATE TRIGGER addendum_no_delete BEFORE DELETE ON addendum
        BEGIN {_APPEND_ONLY}; END""",
    "audit_no_update": f"""
        CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_event
        BEGIN {_APPEND_ONLY}; END""",
    "audit_no_delete": f"""
        CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_event
        BEGIN {_APPEND_ONLY}; END""",
}


def upgrade() -> None:
    """Add the read-only triggers and the FTS5 index (unicode61: prefixes match)."""
    for sql in TRIGGERS.values():
        op.execute(sql)
    op.execute(
        "CREATE VIRTUAL TABLE note_fts USING fts5("
        "note_id UNINDEXED, body, tokenize = 'unicode61 remove_diacritics 2')"
    )


def downgrade() -> None:
    """Drop them again."""
    op.execute("DROP TABLE IF EXISTS note_fts")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
