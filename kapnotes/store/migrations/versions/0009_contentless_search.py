"""The search index keeps no copy of the notes' text (a contentless FTS5 table).

FTS5 kept every note's search text twice: once as the index and once as a plain
copy (``note_fts_content``) that snippets were cut from. On a vault of 20,000
notes the copy was 27 MB of a 165 MB file. The index is rebuilt contentless
(``content=''``, ``contentless_delete=1`` so a note's row is still replaced by
its rowid): searches find the same notes, and a search's snippet is cut from the
note's own text for the notes listed. The note id column goes too: ``note_fts_row``
already maps each note to its rowid.

The rows move with their rowids (``INSERT … SELECT``), so ``note_fts_row`` stays
as it is. The pages the copy used are free pages of the file until notes written
later reuse them (the file does not shrink by itself). Downgrading rebuilds the
old table from the notes and their addenda.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kapnotes.store.models import unpack_json
from kapnotes.store.search_index import note_body

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

_TOKENIZE = "tokenize = 'unicode61 remove_diacritics 2'"


def upgrade() -> None:
    """Move the index into a contentless table, row for row."""
    op.execute("DROP TABLE IF EXISTS note_fts_contentless")  # left by an interrupted try
    op.execute(
        "CREATE VIRTUAL TABLE note_fts_contentless USING fts5(body, content='', "
        f"contentless_delete=1, {_TOKENIZE})"
    )
    op.execute("INSERT INTO note_fts_contentless (rowid, body) SELECT rowid, body FROM note_fts")
    op.execute("DROP TABLE note_fts")
    op.execute("ALTER TABLE note_fts_contentless RENAME TO note_fts")


def downgrade() -> None:
    """Rebuild the index with its text copy and note ids, from the notes (same rowids)."""
    conn = op.get_bind()
    op.execute("DROP TABLE note_fts")
    op.execute(f"CREATE VIRTUAL TABLE note_fts USING fts5(note_id UNINDEXED, body, {_TOKENIZE})")
    addenda: dict[str, list[str]] = {}
    for note_id, body in conn.execute(
        sa.text("SELECT note_id, text FROM addendum ORDER BY created_at")
    ):
        addenda.setdefault(note_id, []).append(body)
    rows = conn.execute(
        sa.text(
            'SELECT r.fts_rowid, n.id, n."values" FROM note_fts_row AS r '
            "JOIN note AS n ON n.id = r.note_id"
        )
    ).all()
    if rows:
        conn.execute(
            sa.text("INSERT INTO note_fts (rowid, note_id, body) VALUES (:r, :id, :body)"),
            [
                {
                    "r": rowid,
                    "id": note_id,
                    "body": note_body(unpack_json(values) or {}, addenda.get(note_id, [])),
                }
                for rowid, note_id, values in rows
            ],
        )
