"""A course's notes on the client page: a QAbstractListModel over `NoteSummary` rows.

One row per note, shown in five columns: the kind (only when the title does not
already say it: "Booster" shows "Dosing", "Preparation session" shows nothing),
the title, the session date, the status (Draft or Signed) and, for a dosing note
not yet signed, "Live session". The view paints and acts on these; the model
only words them, for painting, tooltips and screen readers.
"""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from kapnotes.domain.notes import NoteStatus, Phase
from kapnotes.store.clients import NoteSummary
from kapnotes.ui.dates import show_date

_Index = QModelIndex | QPersistentModelIndex

OPEN_TIP = "Open this note (Enter)"
LIVE_TIP = "Run this dosing session live: clock, one-key observations, vitals (L)"


class Column(IntEnum):
    """The columns a note row is painted in, left to right."""

    KIND = 0
    TITLE = 1
    DATE = 2
    STATUS = 3
    LIVE = 4


#: The colour token each column's text is painted in.
TONES = {
    Column.KIND: "chip_text",
    Column.TITLE: "accent",
    Column.DATE: "muted",
    Column.LIVE: "text",
}


def kind_shown(note: NoteSummary) -> str:
    """The kind's word for the kind column, or "" when the title already starts with it."""
    if note.title.casefold().startswith(note.kind.value.casefold()):
        return ""
    return note.kind.capitalize()


def can_run_live(note: NoteSummary) -> bool:
    """Whether the note can be run as a live session: a dosing note not yet signed."""
    return note.kind == Phase.DOSING and note.status != NoteStatus.SIGNED


def cell_text(note: NoteSummary, column: Column) -> str:
    """What ``column`` of the note's row shows ("" for nothing)."""
    if column == Column.KIND:
        return kind_shown(note)
    if column == Column.TITLE:
        return note.title
    if column == Column.DATE:
        return show_date(note.session_date)
    if column == Column.STATUS:
        return "Signed" if note.status == NoteStatus.SIGNED else "Draft"
    return "Live session" if can_run_live(note) else ""


def tone(note: NoteSummary, column: Column) -> str:
    """The colour token ``column``'s text is painted in (the status: signed or draft)."""
    if column == Column.STATUS:
        return "signed" if note.status == NoteStatus.SIGNED else "draft"
    return TONES[column]


def spoken(note: NoteSummary) -> str:
    """The row in words, for screen readers: title, kind, date, status, what L does."""
    kind = kind_shown(note)
    words = [note.title, *([kind.lower()] if kind else []), show_date(note.session_date)]
    words.append(cell_text(note, Column.STATUS).lower())
    if can_run_live(note):
        words.append("L runs it as a live session")
    return ", ".join(words)


class CourseNotesModel(QAbstractListModel):
    """The notes of one course, in the order given (the store's: by session date)."""

    def __init__(self, notes: tuple[NoteSummary, ...] = (), parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._notes = list(notes)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of notes (a flat list: children of a valid parent are none)."""
        return 0 if parent.isValid() else len(self._notes)

    def note(self, row: int) -> NoteSummary:
        """The note shown in ``row``; raises ``IndexError`` outside the rows."""
        if not 0 <= row < len(self._notes):
            raise IndexError(row)
        return self._notes[row]

    def row_of(self, note_id: str) -> int:
        """The row showing the note ``note_id``, or -1."""
        return next((n for n, note in enumerate(self._notes) if note.id == note_id), -1)

    def texts(self, column: Column) -> set[str]:
        """The different texts shown in ``column`` (to size it by its widest)."""
        return {cell_text(note, column) for note in self._notes}

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """The title (display) and the row in words (screen readers); the view paints the
        rest and words its own tooltips (they depend on where the pointer is)."""
        if not index.isValid() or not 0 <= index.row() < len(self._notes):
            return None
        note = self._notes[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return note.title
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return spoken(note)
        return None
