"""Full-text search over every note: `NoteSearchDialog` and its results model.

Results come from `NoteStore.search` (the encrypted FTS5 index); each row shows
the client, the note title, the session date and a snippet with the matched
words in bold. Activating a row emits ``noteActivated(note_id, query)`` so the
caller can open the note and highlight the hit.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from kapnotes.store.notes import NoteStore, SearchHit
from kapnotes.store.search_index import MARK_CLOSE, MARK_OPEN
from kapnotes.ui import theme
from kapnotes.ui.widgets import label

Index = QModelIndex | QPersistentModelIndex
NoteIdRole = Qt.ItemDataRole.UserRole + 1
HtmlRole = Qt.ItemDataRole.UserRole + 2
#: Hits listed at most; when more notes match, the newest are listed.
SHOWN_AT_MOST = 100

_MARK = re.compile(f"{MARK_OPEN}([^{MARK_OPEN}{MARK_CLOSE}]*){MARK_CLOSE}")


def snippet_html(snippet: str) -> str:
    """The store's snippet (matches between ``MARK_OPEN`` and ``MARK_CLOSE``) as HTML with
    the matches in bold (a note's own brackets stay brackets)."""
    return _MARK.sub(lambda m: f"<b>{m.group(1)}</b>", html.escape(snippet, quote=False))


class SearchResultsModel(QAbstractListModel):
    """Search hits as a list: display text, note id and a rich-text rendering."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.hits: list[SearchHit] = []

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        """Number of hits."""
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Plain text, tooltip, note id or HTML of one hit."""
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        heading = f"{hit.client_name} · {hit.note_title} · {hit.session_date.isoformat()}"
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{heading}\n{hit.snippet.replace(MARK_OPEN, '').replace(MARK_CLOSE, '')}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return heading
        if role == NoteIdRole:
            return hit.note_id
        if role == HtmlRole:
            return (
                f"<div style='font-weight:600'>{html.escape(hit.client_name)}"
                f" <span style='font-weight:400'>· {html.escape(hit.note_title)}"
                f" · {hit.session_date.isoformat()}</span></div>"
                f"<div>{snippet_html(hit.snippet)}</div>"
            )
        return None

    def set_hits(self, hits: Sequence[SearchHit]) -> None:
        """Replace the hits shown."""
        self.beginResetModel()
        self.hits = list(hits)
        self.endResetModel()


class RichTextDelegate(QStyledItemDelegate):
    """Paints a row's HtmlRole text (two lines: heading and snippet)."""

    PADDING = 8

    def _document(self, option: QStyleOptionViewItem, index: Index) -> QTextDocument:
        doc = QTextDocument()
        doc.setDefaultFont(option.font)
        doc.setHtml(str(index.data(HtmlRole) or ""))
        width = option.rect.width() - 2 * self.PADDING
        doc.setTextWidth(max(width, 200))
        return doc

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        """Background and selection by the style, then the rich text."""
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        doc = self._document(option, index)
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(role))
        painter.save()
        rect = option.rect
        painter.translate(rect.left() + self.PADDING, rect.top() + self.PADDING)
        clip = QRectF(0, 0, rect.width() - self.PADDING, rect.height() - self.PADDING)
        painter.setClipRect(clip)
        doc.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        """The laid-out height of the rich text."""
        self.initStyleOption(option, index)
        doc = self._document(option, index)
        return QSize(int(doc.idealWidth()), int(doc.size().height()) + 2 * self.PADDING)


class NoteSearchDialog(QDialog):
    """Search every note's text; activating a result emits ``noteActivated(id, query)``."""

    noteActivated = Signal(str, str)

    def __init__(
        self, note_store: NoteStore, *, debounce_ms: int = 200, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("noteSearchDialog")
        self.setWindowTitle("Search notes")
        self.resize(720, 520)
        self.store = note_store
        self.query_edit = QLineEdit()
        self.query_edit.setObjectName("noteSearchEdit")
        self.query_edit.setPlaceholderText("Search the text of every note…")
        self.query_edit.setClearButtonEnabled(True)
        self.query_edit.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.model = SearchResultsModel(self)
        self.results = QListView()
        self.results.setObjectName("noteSearchResults")
        self.results.setModel(self.model)
        self.results.setItemDelegate(RichTextDelegate(self.results))
        self.results.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.results.setUniformItemSizes(False)
        self.results.setWordWrap(True)
        self.results.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.results.activated.connect(self._activate)
        self.count_label = label("", "muted")
        self.count_label.setObjectName("noteSearchCount")
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(debounce_ms)
        self.timer.timeout.connect(self.run_search)
        self.query_edit.textChanged.connect(lambda _t: self.timer.start())
        self.query_edit.returnPressed.connect(self._enter)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(16, 16, 16, 16)
        lay.setSpacing(10)
        lay.addWidget(self.query_edit)
        lay.addWidget(self.count_label)
        lay.addWidget(self.results, 1)

    def run_search(self) -> None:
        """Search now for what is typed."""
        self.timer.stop()
        text = self.query_edit.text()
        hits = self.store.search(text, limit=SHOWN_AT_MOST) if text.strip() else []
        self.model.set_hits(hits)
        if not text.strip():
            self.count_label.setText("")
        elif len(hits) >= SHOWN_AT_MOST:
            self.count_label.setText(
                f"More than {SHOWN_AT_MOST} notes hold these words: the {SHOWN_AT_MOST} newest "
                "are shown. Add a word to narrow the search."
            )
            self.results.setCurrentIndex(self.model.index(0, 0))
        elif hits:
            self.count_label.setText(f"{len(hits)} note{'s' if len(hits) != 1 else ''} found")
            self.results.setCurrentIndex(self.model.index(0, 0))
        else:
            self.count_label.setText("No note contains these words.")

    def _enter(self) -> None:
        self.run_search()
        index = self.results.currentIndex()
        if index.isValid():
            self._activate(index)

    def _activate(self, index: Index) -> None:
        note_id = index.data(NoteIdRole)
        if isinstance(note_id, str):
            self.noteActivated.emit(note_id, self.query_edit.text())

    def activate_row(self, row: int) -> None:
        """Activate a result as a double-click would."""
        self._activate(self.model.index(row, 0))
