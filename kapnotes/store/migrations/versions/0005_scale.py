"""A vault of years stays small and fast.

* Template snapshots are stored once per distinct template (``template_snapshot``,
  keyed by the SHA-256 of its canonical JSON); a note points at its snapshot and
  keeps its title in a column (listing notes no longer decodes templates).
* The search index has one row per note whose rowid is kept in ``note_fts_row``,
  so re-indexing a note deletes by rowid instead of scanning the whole index; a
  note's row holds what it shows (values and addenda).
* ``client.search_key`` holds name and preferred name folded (case and accents,
  every script) for client search.

Signed notes keep their content: only the place their template is stored moves
(the read-only trigger is lifted for that one statement and put back).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

from kapnotes.domain.canonical import content_hash
from kapnotes.domain.clients import client_search_key
from kapnotes.store.models import unpack_json
from kapnotes.store.search_index import note_body

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

_REFUSE = "SELECT RAISE(ABORT, 'kapnotes: a signed note is read-only; add an addendum instead')"
SIGNED_TRIGGER = f"""
    CREATE TRIGGER note_signed_no_update BEFORE UPDATE ON note
    WHEN OLD.status = 'signed' BEGIN {_REFUSE}; END"""


def _json(value: Any) -> Any:
    if isinstance(value, bytes):
        return unpack_json(value)  # packed by a later version, then downgraded
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    """Move snapshots into their own table, add titles, re-key the search index."""
    conn = op.get_bind()
    op.create_table(
        "template_snapshot",
        sa.Column("hash", sa.String(length=64), primary_key=True),
        sa.Column("body", sa.JSON(), nullable=False),
    )
    op.add_column("note", sa.Column("snapshot_hash", sa.String(length=64), nullable=True))
    op.add_column(
        "note", sa.Column("title", sa.String(length=200), nullable=False, server_default="")
    )
    op.create_index("ix_note_snapshot_hash", "note", ["snapshot_hash"], unique=False)
    op.execute("DROP TRIGGER IF EXISTS note_signed_no_update")
    seen: set[str] = set()
    for note_id, kind, snapshot in list(
        conn.execute(sa.text("SELECT id, kind, template_snapshot FROM note"))
    ):
        body = _json(snapshot) or {}
        digest = content_hash(body)
        if digest not in seen:
            conn.execute(
                sa.text("INSERT OR IGNORE INTO template_snapshot (hash, body) VALUES (:h, :b)"),
                {"h": digest, "b": json.dumps(body)},
            )
            seen.add(digest)
        conn.execute(
            sa.text("UPDATE note SET snapshot_hash = :h, title = :t WHERE id = :id"),
            {"h": digest, "t": str(body.get("title") or kind)[:200], "id": note_id},
        )
    op.execute("ALTER TABLE note DROP COLUMN template_snapshot")
    op.execute(SIGNED_TRIGGER)

    op.add_column("client", sa.Column("search_key", sa.Text(), nullable=False, server_default=""))
    for client_id, name, preferred in list(
        conn.execute(sa.text("SELECT id, name, preferred_name FROM client"))
    ):
        conn.execute(
            sa.text("UPDATE client SET search_key = :k WHERE id = :id"),
            {"k": client_search_key(name, preferred), "id": client_id},
        )

    op.create_table(
        "note_fts_row",
        sa.Column("note_id", sa.String(length=36), primary_key=True),
        sa.Column("fts_rowid", sa.Integer(), nullable=False, unique=True),
    )
    op.execute("DELETE FROM note_fts")
    addenda: dict[str, list[str]] = {}
    for note_id, body in conn.execute(sa.text("SELECT note_id, text FROM addendum")):
        addenda.setdefault(note_id, []).append(body)
    for note_id, values in list(conn.execute(sa.text('SELECT id, "values" FROM note'))):
        text = note_body(_json(values) or {}, addenda.get(note_id, []))
        rowid = conn.execute(
            sa.text("INSERT INTO note_fts (note_id, body) VALUES (:id, :body)"),
            {"id": note_id, "body": text},
        ).lastrowid
        conn.execute(
            sa.text("INSERT INTO note_fts_row (note_id, fts_rowid) VALUES (:id, :r)"),
            {"id": note_id, "r": rowid},
        )


def downgrade() -> None:
    """Put snapshots back into each note (the index keeps its one row per note)."""
    conn = op.get_bind()
    op.add_column("note", sa.Column("template_snapshot", sa.JSON(), nullable=True))
    op.execute("DROP TRIGGER IF EXISTS note_signed_no_update")
    conn.execute(
        sa.text(
            "UPDATE note SET template_snapshot = (SELECT body FROM template_snapshot "
            "WHERE template_snapshot.hash = note.snapshot_hash)"
        )
    )
    op.drop_index("ix_note_snapshot_hash", table_name="note")
    op.execute("ALTER TABLE note DROP COLUMN snapshot_hash")
    op.execute("ALTER TABLE note DROP COLUMN title")
    op.execute(SIGNED_TRIGGER)
    op.drop_table("template_snapshot")
    op.drop_table("note_fts_row")
    op.execute("ALTER TABLE client DROP COLUMN search_key")
