"""The unlocked workspace: search box and client list on the left, the client page on the right.

Search is as-you-type with a short debounce; the list is a `ClientListModel`
fed by `ClientStore.search`, whose rows carry badges for what needs attention
(open risk flags, drafts, sessions today), read again whenever a client is shown
or a measure changes. `clear()` drops every row and every shown detail. "New
client" lives in the toolbar (Ctrl+N); an empty vault says how to start.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QPainter, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLineEdit,
    QListView,
    QSplitter,
    QStackedWidget,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from kapnotes.store.clients import ClientSummary
from kapnotes.ui import theme
from kapnotes.ui.models.client_list import ClientListModel, Mark, MarksRole, SubtitleRole
from kapnotes.ui.session import VaultSession
from kapnotes.ui.views.client_page import ClientPage, MeasuresSource
from kapnotes.ui.widgets import label

log = logging.getLogger(__name__)

SEARCH_DEBOUNCE_MS = 200
#: At most this many clients are listed (by name); the count says when there are more.
LISTED = 500


MARK_COLOURS = {"flag": "error", "draft": "draft", "today": "accent"}
MARK_ICONS = {"flag": "flag", "draft": "note", "today": "clock"}


class ClientItemDelegate(QStyledItemDelegate):
    """Paints a client row as two lines: the name with its badges (open risk flag,
    drafts, session today: an icon and a word each), then preferred name and date
    of birth. The model gives the same marks as words for tooltips and screen readers."""

    PAD_X = 12
    PAD_Y = 8
    ICON = 14
    GAP = 8

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        """Room for two lines of text with padding."""
        fm = option.fontMetrics
        return QSize(200, fm.height() * 2 + self.PAD_Y * 2 + 4)

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        """Selection background, bold name, muted subtitle."""
        painter.save()
        rect: QRect = option.rect
        palette: QPalette = option.palette
        state = option.state
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        bg = rect.adjusted(4, 2, -4, -2)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        if selected:
            painter.setBrush(palette.color(QPalette.ColorRole.Highlight))
            painter.drawRoundedRect(bg, 6, 6)
        elif hovered:
            painter.setBrush(palette.color(QPalette.ColorRole.AlternateBase))
            painter.drawRoundedRect(bg, 6, 6)
        text_colour = palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        )
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        fm = option.fontMetrics
        inner = rect.adjusted(self.PAD_X, self.PAD_Y, -self.PAD_X, -self.PAD_Y)
        name_font = QFont(option.font)
        name_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        name = str(index.data(Qt.ItemDataRole.DisplayRole) or "")
        line1 = QRect(inner.left(), inner.top(), inner.width(), fm.height() + 2)
        row_marks = index.data(MarksRole) or []
        badges = self._paint_marks(painter, option, line1, row_marks)
        painter.setFont(name_font)
        painter.setPen(text_colour)
        name_width = max(40, inner.width() - badges - (self.GAP if badges else 0))
        painter.drawText(
            QRect(line1.left(), line1.top(), name_width, line1.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            painter.fontMetrics().elidedText(name, Qt.TextElideMode.ElideRight, name_width),
        )
        painter.setFont(option.font)
        painter.setPen(text_colour if selected else muted)
        sub = str(index.data(SubtitleRole) or "")
        line2 = QRect(inner.left(), line1.bottom() + 2, inner.width(), fm.height() + 2)
        painter.drawText(
            line2,
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            fm.elidedText(sub, Qt.TextElideMode.ElideRight, inner.width()),
        )
        painter.restore()

    def _paint_marks(
        self, painter: QPainter, option: QStyleOptionViewItem, line: QRect, row_marks: list[Mark]
    ) -> int:
        """Badges at the right end of the name line; returns the width they take."""
        font = QFont(option.font)
        font.setPointSizeF(max(7.5, font.pointSizeF() * 0.9))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        x = line.right()
        for mark in reversed(row_marks):
            colour = QColor(theme.colour(MARK_COLOURS[mark.kind]))
            text_width = metrics.horizontalAdvance(mark.short)
            x -= text_width
            painter.setPen(colour)
            painter.drawText(
                QRect(x, line.top(), text_width, line.height()),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                mark.short,
            )
            x -= self.ICON + 3
            icon = theme.icon(MARK_ICONS[mark.kind], colour.name())
            top = line.top() + (line.height() - self.ICON) // 2
            icon.paint(painter, QRect(x, top, self.ICON, self.ICON))
            x -= self.GAP
        return line.right() - x - self.GAP if row_marks else 0


class Workspace(QWidget):
    """Client search and list beside the client page."""

    new_client_requested = Signal()
    edit_client_requested = Signal(str)
    new_course_requested = Signal(str)
    new_note_requested = Signal(str)
    note_requested = Signal(str)
    live_session_requested = Signal(str)

    def __init__(
        self,
        session: VaultSession,
        *,
        debounce_ms: int = SEARCH_DEBOUNCE_MS,
        today: Callable[[], date] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``today``: the day whose sessions the list marks (default: the clinic's today)."""
        super().__init__(parent)
        self.setObjectName("workspace")
        self._session = session
        self._today = today

        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("clientSearch")
        self.search_edit.setPlaceholderText("Search clients…")
        self.search_edit.setClearButtonEnabled(True)
        self.search_action = self.search_edit.addAction(
            theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition
        )
        self.search_edit.setMinimumHeight(34)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(debounce_ms)
        self._debounce.timeout.connect(self.refresh)
        self.search_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.search_edit.returnPressed.connect(self._search_now)

        self.model = ClientListModel(self)
        self.list_view = QListView()
        self.list_view.setObjectName("clientList")
        self.list_view.setModel(self.model)
        self.list_view.setItemDelegate(ClientItemDelegate(self.list_view))
        self.list_view.setMouseTracking(True)
        self.list_view.setUniformItemSizes(True)
        self.list_view.setVerticalScrollMode(QListView.ScrollMode.ScrollPerPixel)
        self.list_view.selectionModel().selectionChanged.connect(self._selection_changed)

        self.count_label = label("", "hint", wrap=True)
        self.count_label.setObjectName("clientCount")

        left = QWidget()
        left.setObjectName("clientPane")
        left_lay = QVBoxLayout(left)
        left_lay.setContentsMargins(16, 16, 8, 12)
        left_lay.setSpacing(10)
        left_lay.addWidget(label("Clients", "heading"))
        left_lay.addWidget(self.search_edit)
        left_lay.addWidget(self.list_view, 1)
        left_lay.addWidget(self.count_label)

        self.page = ClientPage(
            MeasuresSource(lambda: session.measures, session.catalog.instruments)
        )
        self.page.edit_requested.connect(self.edit_client_requested)
        self.page.new_course_requested.connect(self.new_course_requested)
        self.page.new_note_requested.connect(self.new_note_requested)
        self.page.note_requested.connect(self.note_requested)
        self.page.live_session_requested.connect(self.live_session_requested)
        self.page.measures_changed.connect(self._page_measures_changed)
        session.measures_changed.connect(self._measures_changed)
        self._announcing = False

        self.placeholder = QWidget()
        self.placeholder.setObjectName("clientPlaceholder")
        ph = QVBoxLayout(self.placeholder)
        ph.addStretch(1)
        self.placeholder_title = label("No client selected", "heading")
        self.placeholder_title.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.placeholder_text = label(
            "Choose a client on the left, or create a new one.", "muted", wrap=True
        )
        self.placeholder_text.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        # Shown only while the vault has no client: the one way in, besides the toolbar.
        self.first_client_button = theme.icon_button("Add your first client", "user-plus")
        self.first_client_button.setObjectName("firstClientButton")
        self.first_client_button.setProperty("role", "primary")
        self.first_client_button.clicked.connect(self.new_client_requested)
        self.first_client_button.hide()
        ph_row = QHBoxLayout()
        ph_row.addStretch(1)
        ph_row.addWidget(self.first_client_button)
        ph_row.addStretch(1)
        ph.addWidget(self.placeholder_title)
        ph.addWidget(self.placeholder_text)
        ph.addSpacing(8)
        ph.addLayout(ph_row)
        ph.addStretch(2)

        self.right = QStackedWidget()
        self.right.addWidget(self.placeholder)
        self.right.addWidget(self.page)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("workspaceSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        left.setMinimumWidth(260)
        self.splitter.setSizes([320, 880])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.splitter)

    # -- data ------------------------------------------------------------------------

    def refresh(self, select_id: str | None = None) -> None:
        """Re-run the search; keep (or move to) the selected client."""
        self._debounce.stop()
        store = self._session.clients
        if store is None:
            self.clear()
            return
        keep = select_id or self.page.client_id
        text = self.search_edit.text()
        rows = self._search(text, LISTED + 1)
        more = len(rows) > LISTED
        rows = rows[:LISTED]
        self.model.set_rows(rows)
        total = len(rows)
        if more:
            self.count_label.setText(
                f"The first {LISTED} {'matches' if text.strip() else 'clients'} by name: "
                "type more of a name to find the others"
            )
        elif text.strip():
            self.count_label.setText(f"{total} match" + ("" if total == 1 else "es"))
        else:
            self.count_label.setText(f"{total} client" + ("" if total == 1 else "s"))
        row = self.model.row_of(keep) if keep else None
        if row is not None:
            self.list_view.setCurrentIndex(self.model.index(row))
            self.show_client(keep, reread_marks=False)  # type: ignore[arg-type]  # just read
        elif select_id is None and self.page.client_id is not None:
            self._show_placeholder()
        empty = total == 0 and not text.strip()
        self.first_client_button.setVisible(empty)
        if empty:
            self.placeholder_title.setText("No clients yet")
            self.placeholder_text.setText(
                "Add a client to start writing notes (or press Ctrl+N at any time)."
            )
        else:
            self.placeholder_title.setText("No client selected")
            self.placeholder_text.setText(
                "Choose a client on the left, or add one with New client (Ctrl+N)."
            )

    def _search(
        self, text: str, limit: int | None = None, *, recorded: bool = True
    ) -> list[ClientSummary]:
        store = self._session.clients
        if store is None:
            return []
        today = self._today() if self._today else None
        return store.search(
            text, LISTED if limit is None else limit, today=today, recorded=recorded
        )

    def refresh_marks(self) -> None:
        """Read the listed clients' badges again (the rows and the selection stay). Not a
        new search: the audit trail has the search that listed them."""
        if self._session.clients is None or self.model.rowCount() == 0:
            return
        self.model.update_rows(self._search(self.search_edit.text(), recorded=False))

    def show_client(
        self, client_id: str, today: date | None = None, *, reread_marks: bool = True
    ) -> None:
        """Load a client from the store and show the client page (``reread_marks``: the
        list's badges read again too, as drafts, sessions and flags may have changed)."""
        store = self._session.clients
        if store is None:
            return
        try:
            record = store.get(client_id)
        except KeyError:
            self._show_placeholder()
            return
        self.page.show_record(record, today)
        self.right.setCurrentWidget(self.page)
        if reread_marks:
            self.refresh_marks()  # drafts, sessions and flags may have changed meanwhile

    def clear(self) -> None:
        """Forget everything shown: list rows, search text, client page."""
        self._debounce.stop()
        self.search_edit.blockSignals(True)
        self.search_edit.clear()
        self.search_edit.blockSignals(False)
        self.model.set_rows([])
        self.count_label.clear()
        self._show_placeholder()

    def focus_search(self) -> None:
        """Put the cursor in the search box, text selected."""
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def _search_now(self) -> None:
        self.refresh()
        if self.model.rowCount() and not self.list_view.currentIndex().isValid():
            self.list_view.setCurrentIndex(self.model.index(0))

    def _page_measures_changed(self, client_id: str) -> None:
        """The page changed a measure (and shows it already): tell every other view."""
        self._announcing = True
        try:
            self._session.measures_changed.emit(client_id)
        finally:
            self._announcing = False

    def _measures_changed(self, client_id: str) -> None:
        """A client's measures changed somewhere: follow on the page and in the list."""
        if not self._announcing and client_id == self.page.client_id:
            self.page.refresh_measures()
        self.refresh_marks()

    def _show_placeholder(self) -> None:
        self.page.clear()
        self.right.setCurrentWidget(self.placeholder)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        client_id = self.model.client_id(indexes[0].row())
        if client_id and client_id != self.page.client_id:
            self.show_client(client_id)
