"""The client list: a QAbstractListModel over `ClientStore.search` results.

The model holds plain `ClientSummary` rows; `set_rows([])` empties it (locking
does that, so no client name stays in memory behind a view).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

from kapnotes.store.clients import ClientSummary
from kapnotes.ui.dates import show_date

ClientIdRole = Qt.ItemDataRole.UserRole + 1
SubtitleRole = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def subtitle(row: ClientSummary) -> str:
    """The second line of a client row: preferred name and date of birth."""
    parts = []
    if row.preferred_name:
        parts.append(f"“{row.preferred_name}”")
    parts.append(f"DOB {show_date(row.date_of_birth)}" if row.date_of_birth else "DOB not recorded")
    return "  ·  ".join(parts)


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
            return f"{row.name}\n{subtitle(row)}"
        if role == Qt.ItemDataRole.AccessibleTextRole:
            return f"{row.name}, {subtitle(row)}"
        if role == SubtitleRole:
            return subtitle(row)
        if role == ClientIdRole:
            return row.id
        return None

    def set_rows(self, rows: list[ClientSummary]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def client_id(self, row: int) -> str | None:
        """The id of the client in `row`, if any."""
        return self._rows[row].id if 0 <= row < len(self._rows) else None

    def row_of(self, client_id: str) -> int | None:
        """The row showing `client_id`, if it is listed."""
        for i, summary in enumerate(self._rows):
            if summary.id == client_id:
                return i
        return None
