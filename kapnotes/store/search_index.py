"""The FTS5 index over notes (inside the encrypted database): what text a note contributes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_INSERT = text("INSERT INTO note_fts (note_id, body) VALUES (:id, :body)")
_INSERT_AT = text("INSERT INTO note_fts (rowid, note_id, body) VALUES (:r, :id, :body)")
_ROWID = text("SELECT fts_rowid FROM note_fts_row WHERE note_id = :id")
_MAP = text("INSERT INTO note_fts_row (note_id, fts_rowid) VALUES (:id, :r)")


_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def texts_of(value: Any) -> list[str]:
    """Every piece of text a note shows, inside a JSON value.

    Bookkeeping keys (``_event_id``, ``_narrative_layout``), ids (a linked note) and the superseded
    text of corrected entries (``original``) are left out, so a search never
    opens a note for words it no longer shows.
    """
    found: list[str] = []
    _collect(value, found)
    return found


def _collect(value: Any, found: list[str]) -> None:
    """:func:`texts_of` into one list (a save indexes every entry of the note: no list per
    value on the way)."""
    if isinstance(value, str):
        if not _ID.match(value):  # links to other notes are not words
            found.append(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("_") and key != "original":
                _collect(item, found)
    elif isinstance(value, list):
        for item in value:
            _collect(item, found)


def note_body(values: Mapping[str, Any], addenda: Iterable[str]) -> str:
    """The text a note contributes to the index: what it shows, then its addenda.

    A note's entries are its log rows (their events hold the same words), so the
    values are enough; they are never read back from every event on a save.
    """
    return "\n".join([*texts_of(dict(values)), *addenda])


def index_note(
    session: Session, note_id: str, values: Mapping[str, Any], addenda: Iterable[str] = ()
) -> None:
    """Replace a note's one row in the index, found by its rowid (never a scan).

    ``note_fts_row`` keeps each note's rowid in ``note_fts``; deleting by rowid
    touches one row however large the index has grown.
    """
    body = note_body(values, addenda)
    found = session.execute(_ROWID, {"id": note_id}).scalar()
    if found is not None:
        session.execute(text("DELETE FROM note_fts WHERE rowid = :r"), {"r": found})
        session.execute(_INSERT_AT, {"r": found, "id": note_id, "body": body})
        return
    result = session.execute(_INSERT, {"id": note_id, "body": body})
    rowid = getattr(result, "lastrowid", None)  # a CursorResult for an INSERT
    session.execute(_MAP, {"id": note_id, "r": rowid})


def drop_note(session: Session, note_id: str) -> None:
    """Take a note out of the index."""
    found = session.execute(_ROWID, {"id": note_id}).scalar()
    if found is not None:
        session.execute(text("DELETE FROM note_fts WHERE rowid = :r"), {"r": found})
        session.execute(text("DELETE FROM note_fts_row WHERE note_id = :id"), {"id": note_id})
