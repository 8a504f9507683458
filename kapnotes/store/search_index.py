"""The FTS5 index over notes (inside the encrypted database): what text a note contributes."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

_INSERT = text("INSERT INTO note_fts (note_id, body) VALUES (:id, :body)")


_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def texts_of(value: Any) -> list[str]:
    """Every piece of text a note shows, inside a JSON value.

    Bookkeeping keys (``_event_id``, ``_narrative_layout``), ids (a linked note) and the superseded
    text of corrected entries (``original``) are left out, so a search never
    opens a note for words it no longer shows.
    """
    if isinstance(value, str):
        return [] if _ID.match(value) else [value]  # links to other notes are not words
    if isinstance(value, dict):
        return [
            t
            for k, v in value.items()
            if not str(k).startswith("_") and k != "original"
            for t in texts_of(v)
        ]
    if isinstance(value, list):
        return [t for v in value for t in texts_of(v)]
    return []


def index_note(
    session: Session,
    note_id: str,
    values: Mapping[str, Any],
    event_data: Iterable[Mapping[str, Any]],
    addenda: Iterable[str],
) -> None:
    """Replace a note's rows in the index: its values, its entries, then each addendum."""
    body = "\n".join(texts_of(dict(values)) + [t for d in event_data for t in texts_of(dict(d))])
    session.execute(text("DELETE FROM note_fts WHERE note_id = :id"), {"id": note_id})
    session.execute(_INSERT, {"id": note_id, "body": body})
    for addendum in addenda:
        session.execute(_INSERT, {"id": note_id, "body": addendum})
