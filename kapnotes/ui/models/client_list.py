"""The client list: a QAbstractListModel over `ClientStore.search` results.

The model holds plain `ClientSummary` rows; `set_rows([])` empties it (locking
does that, so no client name stays in memory behind a view). Each row's marks
(open risk flags, draft notes, sessions today) come counted from the store's one
query (what counts is the store's rule); the model only words them, for the
badges (`MarksRole`), the tooltip and the accessible text.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from kapnotes.store.clients import ClientSummary
from kapnotes.ui.dates import show_date

ClientIdRole = Qt.ItemDataRole.UserRole + 1
SubtitleRole = Qt.ItemDataRole.UserRole + 2
MarksRole = Qt.ItemDataRole.UserRole + 3

_Index = QModelIndex | QPersistentModelIndex


def subtitle(row: ClientSummary) -> str:
    """The second line of a client row: preferred name and date of birth."""
    parts = []
    if row.preferred_name:
        parts.append(f"“{row.preferred_name}”")
    parts.append(f"DOB {show_date(row.date_of_birth)}" if row.date_of_birth else "DOB not recorded")
    return "  ·  ".join(parts)


@dataclass(frozen=True)
class Mark:
    """One badge of a client row: its kind (``flag``, ``draft``, ``today``), the short text
    painted beside its icon, and the full words (tooltip, screen readers)."""

    kind: str
    short: str
    words: str


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def marks(row: ClientSummary) -> list[Mark]:
    """The badges of a row, most urgent first: open risk flags, drafts, sessions today."""
    out: list[Mark] = []
    if row.open_flags:
        words = _plural(row.open_flags, "open risk flag", "open risk flags")
        out.append(Mark("flag", "Flag" if row.open_flags == 1 else words.split()[0], words))
    if row.drafts:
        words = _plural(row.drafts, "draft note", "draft notes")
        out.append(Mark("draft", "Draft" if row.drafts == 1 else f"{row.drafts} drafts", words))
    if row.sessions_today:
        words = (
            "session today"
            if row.sessions_today == 1
            else (_plural(row.sessions_today, "session", "sessions") + " today")
        )
        out.append(Mark("today", "Today", words))
    return out


class ClientListModel(QAbstractListModel):
    """Rows of clients: display is the name; the subtitle and id have their own roles."""

    def __init__(self, parent: object | None = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._rows: list[ClientSummary] = []

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        """Number of clients (a flat list: children of a valid parent are none)."""
        if parent.isValid():
            return 0
        return len(self._rows)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        """Name, subtitle, id or tooltip of one row."""
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join([row.name, subtitle(row), *(m.words for m in marks(row))])
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return ", ".join([row.name, subtitle(row), *(m.words for m in marks(row))])
        if role == SubtitleRole:
            return subtitle(row)
        if role == MarksRole:
            return marks(row)
        if role == ClientIdRole:
            return row.id
        return None

    def set_rows(self, rows: list[ClientSummary]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def update_rows(self, rows: list[ClientSummary]) -> None:
        """New data for the same clients in the same order (marks changed): rows are kept,
        so is the selection; any other change replaces every row."""
        if [r.id for r in rows] != [r.id for r in self._rows]:
            self.set_rows(rows)
            return
        changed = [
            i for i, (old, new) in enumerate(zip(self._rows, rows, strict=True)) if old != new
        ]
        self._rows = list(rows)
        if changed:
            self.dataChanged.emit(self.index(min(changed)), self.index(max(changed)))

    def client_id(self, row: int) -> str | None:
        """The id of the client in `row`, if any."""
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, client_id: str) -> int | None:
        """The row showing `client_id`, if it is listed."""
        for i, summary in enumerate(self._rows):
            if summary.id == client_id:
                return i
        return None
