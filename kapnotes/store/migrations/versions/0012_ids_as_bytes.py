"""Ids are stored as their 16 bytes, and JSON without spaces.

Every id kapnotes makes is a UUID written as 36 characters of text; a vault of
years holds about a million of them, most in the session entries' rows and their
two indexes (about 20 MB). :class:`kapnotes.store.models.StoredId` now writes a
canonical id (lower-case ``8-4-4-4-12`` hex) as its 16 bytes and reads both
forms; any other string (an id from an imported file that is not a UUID) stays
text, so every id reads back exactly as it was given. The byte order is the
text's order. JSON columns lose the spaces after ``,`` and ``:`` (SQLite's
``json()``, which keeps every number and string as written; about 9 bytes a
session entry). Nothing signed changes: signatures, content hashes and the audit
chain are computed over values, never over the stored bytes. The protective
triggers are lifted for these statements and put back word for word; foreign
keys are checked when the upgrade's transaction commits. The columns keep their
declared type. Downgrading writes the ids as text again (JSON stays compact).

The freed pages are given back to the file system by the ``VACUUM`` an unlock
runs after upgrading an older vault (see :func:`kapnotes.store.vault.upgrade_schema`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

from kapnotes.store.protection import lifted

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

#: Every id column at this revision, by table (a test compares with the models).
IDS: dict[str, tuple[str, ...]] = {
    "clinician": ("id",),
    "client": ("id",),
    "course": ("id", "client_id"),
    "note": ("id", "course_id", "signed_by_id"),
    "note_event": ("id", "note_id"),
    "addendum": ("id", "note_id", "author_id"),
    "measure_result": ("id", "client_id", "note_id", "course_id", "acknowledged_by_id"),
    "audit_event": ("actor_id", "entity_id"),
    "note_fts_row": ("note_id",),
}

#: Every JSON column at this revision (a note's values are packed since 0008).
JSONS: dict[str, tuple[str, ...]] = {
    "note": ("signer",),
    "note_event": ("data",),
    "addendum": ("signer",),
    "measure_result": ("answers", "flags"),
    "audit_event": ("detail",),
    "template_snapshot": ("body",),
}

_HEX = "[0-9a-f]"
#: A canonical id, as a GLOB pattern (GLOB is case-sensitive: upper case stays text).
_CANONICAL = "-".join(_HEX * n for n in (8, 4, 4, 4, 12))


def _as_bytes(column: str) -> tuple[str, str]:
    return (
        f"unhex(replace({column}, '-', ''))",
        f"typeof({column}) = 'text' AND {column} GLOB '{_CANONICAL}'",
    )


def _as_text(column: str) -> tuple[str, str]:
    h = f"lower(hex({column}))"
    parts = " || '-' || ".join(
        f"substr({h}, {start}, {length})"
        for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12))
    )
    return parts, f"typeof({column}) = 'blob' AND length({column}) = 16"


def _rewrite(ids: str, json_too: bool) -> None:
    convert = _as_bytes if ids == "bytes" else _as_text
    conn = op.get_bind()
    raw = conn.connection.dbapi_connection
    if raw is not None and not raw.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the pragma below lasts one transaction
    # A parent's id and its children's change in separate statements: foreign keys are
    # checked when the transaction commits, with every id rewritten.
    conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    with lifted(conn):
        for table, columns in IDS.items():
            for column in columns:
                value, which = convert(column)
                conn.exec_driver_sql(f"UPDATE {table} SET {column} = {value} WHERE {which}")  # noqa: S608
        for table, columns in JSONS.items() if json_too else ():
            for column in columns:
                conn.exec_driver_sql(
                    f"UPDATE {table} SET {column} = json({column}) "  # noqa: S608
                    f"WHERE typeof({column}) = 'text' AND json_valid({column})"
                )


def upgrade() -> None:
    """Every canonical id written as its 16 bytes; every JSON column without spaces."""
    _rewrite("bytes", json_too=True)


def downgrade() -> None:
    """Every id written as text again."""
    _rewrite("text", json_too=False)
