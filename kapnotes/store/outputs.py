"""Reports leaving the app: each printed or exported note is an event in the audit trail.

Only ids and counts are recorded (which note, which kind of report, how many
pages), never a note's text nor the file name it was saved under (a file name
may carry a client's name).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

from kapnotes.store.audit import record
from kapnotes.store.models import Note
from kapnotes.store.vault import OpenVault

#: The actions a report may record: printed on paper, or saved as a file.
OUTPUT_ACTIONS: Final = frozenset({"note.print", "note.export"})


def record_outputs(
    vault: OpenVault,
    action: str,
    note_ids: Sequence[str],
    detail: Mapping[str, str | int] | None = None,
) -> int:
    """Append one audit event per note (``note.print`` or ``note.export``) in one transaction;
    returns how many were written.

    ``detail`` holds what kind of report it was (``{"report": "course", "pages": 12}``).
    Raises ValueError for another action and KeyError for an unknown note (then nothing
    is written).
    """
    if action not in OUTPUT_ACTIONS:
        raise ValueError(f"unknown report action {action!r} (known: note.print, note.export)")
    with vault.session() as session:
        for note_id in note_ids:
            if session.get(Note, note_id) is None:
                raise KeyError(note_id)
        for note_id in note_ids:
            record(session, vault.clinician_id, action, "note", note_id, dict(detail or {}))
    return len(note_ids)
