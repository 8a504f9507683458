"""A course's notes on the client page: one list view, each note a painted row.

A client of a few years has fifty notes or more; a widget per title, date,
status and button made such a page take 130-200 ms to draw (``make bench``,
``client_open_drawn_p95_ms``). Here a course's notes are one
:class:`CourseNotesView` over a :class:`~kapnotes.ui.models.course_notes.CourseNotesModel`,
each row painted by :class:`CourseNotesDelegate` in columns: the kind as a chip,
the title as a link, the date, the status, and a **Live session** button on a
dosing draft.

Mouse: a click on a row opens its note; a click on Live session runs it live.
Keyboard: Tab reaches the list, the arrows move between notes, Enter opens the
note, **L** runs a dosing draft live; the context menu (right click, the Menu key)
offers both. The view is as tall as its rows: the page scrolls, not the list.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QContextMenuEvent,
    QCursor,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QListView,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolTip,
    QWidget,
)

from kapnotes.store.clients import NoteSummary
from kapnotes.ui import theme
from kapnotes.ui.models.course_notes import (
    LIVE_TIP,
    OPEN_TIP,
    Column,
    CourseNotesModel,
    can_run_live,
    cell_text,
    tone,
)

_Index = QModelIndex | QPersistentModelIndex


class CourseNotesDelegate(QStyledItemDelegate):
    """Paints a note row, column by column, in the application's colours of now."""

    PAD_X = 8
    CHIP_PAD = 9
    BUTTON_PAD = 12
    ICON = 14
    ICON_GAP = 6

    def __init__(self, view: CourseNotesView) -> None:
        super().__init__(view)
        self._view = view
        self._colours: dict[tuple[str, str], QColor] = {}

    @staticmethod
    def bold(font: QFont) -> QFont:
        """``font`` in the weight of the status words."""
        bold = QFont(font)
        bold.setWeight(QFont.Weight.DemiBold)
        return bold

    def cell_width(self, font: QFont, column: Column, text: str) -> int:
        """The width (pixels) of a cell showing ``text`` with its padding (a chip's, a
        button's); no text, no width."""
        if not text:
            return 0
        bold = column == Column.STATUS
        width = QFontMetrics(self.bold(font) if bold else font).horizontalAdvance(text)
        width += 2 * self.PAD_X
        if column == Column.KIND:
            width += 2 * self.CHIP_PAD
        elif column == Column.LIVE:
            width += 2 * self.BUTTON_PAD + self.ICON + self.ICON_GAP
        return width

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        """A row as tall as :meth:`CourseNotesView.row_height`, as wide as the list."""
        return QSize(0, self._view.row_height())

    def _colour(self, scheme: theme.Scheme, token: str) -> QColor:
        key = (scheme, token)
        found = self._colours.get(key)
        if found is None:
            found = self._colours[key] = QColor(theme.colour(token, scheme))
        return found

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        """The row's hover or keyboard-focus band, then each column's content."""
        view = self._view
        row = index.row()
        note = view.notes_model.note(row)
        # the application's scheme: the list's own palette is see-through (its style sheet)
        scheme = theme.palette_scheme()
        rect: QRect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        hovered = view.hovered_row() == row
        focused = view.hasFocus() and view.currentIndex().row() == row
        if hovered or focused:
            if focused:
                painter.setPen(self._colour(scheme, "accent"))
            else:
                painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(self._colour(scheme, "window"))  # on a card: light and dark
            painter.drawRoundedRect(rect.adjusted(1, 1, -2, -2), 6, 6)
        font: QFont = option.font
        for column in Column:
            text = cell_text(note, column)
            if not text:
                continue
            inner = view.cell_rect(rect, column).adjusted(self.PAD_X, 0, -self.PAD_X, 0)
            if column == Column.KIND:
                self._chip(painter, scheme, font, inner, text)
            elif column == Column.LIVE:
                hot = hovered and view.over_live()
                self._button(painter, scheme, font, view.live_button_rect(rect), text, hot)
            else:
                shown = font
                colour = tone(note, column)
                if column == Column.TITLE:
                    shown = QFont(font)
                    shown.setUnderline(True)
                    colour = "accent_hover" if hovered else colour
                    text = QFontMetrics(shown).elidedText(
                        text, Qt.TextElideMode.ElideRight, inner.width()
                    )
                elif column == Column.STATUS:
                    shown = self.bold(font)
                painter.setFont(shown)
                painter.setPen(self._colour(scheme, colour))
                painter.drawText(
                    inner, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text
                )
        painter.restore()

    def _chip(
        self, painter: QPainter, scheme: theme.Scheme, font: QFont, inner: QRect, text: str
    ) -> None:
        metrics = QFontMetrics(font)
        height = metrics.height() + 4
        chip = QRect(
            inner.left(),
            inner.top() + (inner.height() - height) // 2,
            metrics.horizontalAdvance(text) + 2 * self.CHIP_PAD,
            height,
        )
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self._colour(scheme, "chip_bg"))
        painter.drawRoundedRect(chip, height / 2, height / 2)
        painter.setFont(font)
        painter.setPen(self._colour(scheme, "chip_text"))
        painter.drawText(chip, int(Qt.AlignmentFlag.AlignCenter), text)

    def button_rect(self, cell: QRect, font: QFont) -> QRect:
        """The Live session button drawn in the cell ``cell`` (what a click must hit)."""
        inner = cell.adjusted(self.PAD_X, 0, -self.PAD_X, 0)
        height = QFontMetrics(font).height() + 12
        return QRect(
            inner.left(), inner.top() + (inner.height() - height) // 2, inner.width(), height
        )

    def _button(
        self,
        painter: QPainter,
        scheme: theme.Scheme,
        font: QFont,
        button: QRect,
        text: str,
        hot: bool,
    ) -> None:
        metrics = QFontMetrics(font)
        painter.setPen(self._colour(scheme, "border"))
        painter.setBrush(self._colour(scheme, "chip_bg" if hot else "base"))
        painter.drawRoundedRect(button.adjusted(0, 0, -1, -1), 6, 6)
        content = self.ICON + self.ICON_GAP + metrics.horizontalAdvance(text)
        left = button.left() + (button.width() - content) // 2
        colour = self._colour(scheme, "text")
        icon_top = button.top() + (button.height() - self.ICON) // 2
        theme.icon("clock", colour.name()).paint(
            painter, QRect(left, icon_top, self.ICON, self.ICON)
        )
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(
            QRect(left + self.ICON + self.ICON_GAP, button.top(), content, button.height()),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            text,
        )


class CourseNotesView(QListView):
    """The notes of one course; asks (by signal, with the note's id) to open or run one."""

    open_requested = Signal(str)
    live_requested = Signal(str)

    def __init__(
        self, notes: tuple[NoteSummary, ...], name: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("courseNotes")
        self.notes_model = CourseNotesModel(notes, self)
        self.setModel(self.notes_model)
        self._delegate = CourseNotesDelegate(self)
        self.setItemDelegate(self._delegate)
        self._hover = -1
        self._pointer = QPoint(-1, -1)
        self._pressed_live = False  # a press on Live session must end there to run it
        # A row that came under a still pointer as the page scrolled: Qt did not see the
        # pointer enter this list, so it will not say when it leaves; look again.
        self._recheck = QTimer(self)
        self._recheck.setInterval(250)
        self._recheck.timeout.connect(self._follow_pointer)
        self._by_keyboard = False  # the current row moved by a key: the page follows it
        self._page: QScrollArea | None = None
        self._fitted: tuple[str, dict[Column, int]] = ("", {})
        self._widths: dict[Column, int] = {}
        self.setUniformItemSizes(True)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # not the wheel: the page scrolls
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName(name)
        self._fit()
        self.clicked.connect(self._clicked)

    def row_height(self) -> int:
        """The height of one note row (pixels): room for the Live session button."""
        return self.fontMetrics().height() + 16

    def natural_widths(self) -> dict[Column, int]:
        """Each column but the title as wide as its widest cell here (pixels; an empty
        column takes no room), measured once per font."""
        font = self.font()
        if self._fitted[0] != font.key():
            model = self.notes_model
            widths: dict[Column, int] = {
                column: max(
                    (self._delegate.cell_width(font, column, t) for t in model.texts(column)),
                    default=0,
                )
                for column in Column
                if column != Column.TITLE
            }
            self._fitted = (font.key(), widths)
        return self._fitted[1]

    def set_widths(self, widths: dict[Column, int]) -> None:
        """Lay the columns out at ``widths`` (pixels), e.g. the widest of every course on
        the page, so dates and statuses line up from one course to the next."""
        self._widths = dict(widths)
        self.viewport().update()

    def _fit(self) -> None:
        """Columns at their natural widths, the view as tall as its rows."""
        self._widths = dict(self.natural_widths())
        self.setFixedHeight(self.row_height() * self.notes_model.rowCount())

    def cell_rect(self, row: QRect, column: Column) -> QRect:
        """Where ``column`` lies in the row ``row`` (viewport coordinates): the kind at the
        left, date, status and Live session at the right, the title between."""
        widths = self._widths
        if column == Column.KIND:
            return QRect(row.left(), row.top(), widths[Column.KIND], row.height())
        right = row.right() + 1
        for col in (Column.LIVE, Column.STATUS, Column.DATE):
            right -= widths[col]
            if col == column:
                return QRect(right, row.top(), widths[col], row.height())
        left = row.left() + widths[Column.KIND]
        return QRect(left, row.top(), max(0, right - left), row.height())

    def live_button_rect(self, row: QRect) -> QRect:
        """The Live session button as drawn in the row ``row`` (viewport coordinates)."""
        return self._delegate.button_rect(self.cell_rect(row, Column.LIVE), self.font())

    def row_rect(self, row: int) -> QRect:
        """The row ``row`` in viewport coordinates."""
        return self.visualRect(self.notes_model.index(row))

    def hovered_row(self) -> int:
        """The row under the mouse pointer, or -1."""
        return self._hover

    def over_live(self, at: QPoint | None = None) -> bool:
        """Whether ``at`` (default: the pointer) is on a Live session button."""
        at = self._pointer if at is None else at
        index = self.indexAt(at)
        if not index.isValid() or not can_run_live(self.notes_model.note(index.row())):
            return False
        return self.live_button_rect(self.visualRect(index)).contains(at)

    def row_of(self, note_id: str) -> int:
        """The row showing the note ``note_id``, or -1."""
        return self.notes_model.row_of(note_id)

    # -- acting on a note ---------------------------------------------------------

    def _clicked(self, index: _Index) -> None:
        """A press and release on the same row: on Live session both, run it live; on
        the rest of the row both, open it; from one to the other, nothing (as a button
        pressed and dragged off)."""
        note = self.notes_model.note(index.row())
        on_live = self.over_live()
        if on_live != self._pressed_live:
            return
        if on_live:
            self.live_requested.emit(note.id)
        else:
            self.open_requested.emit(note.id)

    def _current_note(self) -> NoteSummary | None:
        row = self.currentIndex().row()
        return self.notes_model.note(row) if 0 <= row < self.notes_model.rowCount() else None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter or Space opens the current note, L runs a dosing draft live, Shift+F10 (as
        the Menu key) offers both; the arrows, Home, End and the page keys move (the
        list's own keys, the page following); no type-ahead."""
        note = self._current_note()
        key = event.key()
        modifiers = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        plain = modifiers == Qt.KeyboardModifier.NoModifier
        if (
            note is not None
            and plain
            and key
            in (
                Qt.Key.Key_Return,
                Qt.Key.Key_Enter,
                Qt.Key.Key_Space,
            )
        ):
            self.open_requested.emit(note.id)
        elif note is not None and plain and key == Qt.Key.Key_L and can_run_live(note):
            self.live_requested.emit(note.id)
        elif key == Qt.Key.Key_F10 and modifiers == Qt.KeyboardModifier.ShiftModifier:
            self._menu(None)
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) or (
            plain and event.text().isprintable() and event.text()
        ):
            event.ignore()
        else:
            self._by_keyboard = True
            try:
                super().keyPressEvent(event)
            finally:
                self._by_keyboard = False

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Open note, and Live session for a dosing draft, for the row pointed at (or the
        current one, from the keyboard)."""
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            index = self.indexAt(self.viewport().mapFromGlobal(event.globalPos()))
            if index.isValid():
                self.setCurrentIndex(index)
            self._menu(event.globalPos())
        else:
            self._menu(None)

    def _menu(self, at: QPoint | None) -> None:
        """The row's menu at ``at`` (global), or over the current row (the keyboard's)."""
        note = self._current_note()
        if note is None:
            return
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # one per right click
        menu.addAction("Open note", lambda: self.open_requested.emit(note.id))
        if can_run_live(note):
            menu.addAction("Live session", lambda: self.live_requested.emit(note.id))
        row = self.row_rect(self.currentIndex().row())
        menu.exec(at if at is not None else self.viewport().mapToGlobal(row.center()))
        self._follow_pointer()  # the pointer may have left while the menu was open

    def viewportEvent(self, event: QEvent) -> bool:
        """The tooltip: the note's whole title (a long one is cut short in the row) and
        what a click there does, open the note or run it live."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            index = self.indexAt(event.pos())
            if index.isValid():
                title = self.notes_model.note(index.row()).title
                tip = LIVE_TIP if self.over_live(event.pos()) else OPEN_TIP
                QToolTip.showText(event.globalPos(), f"{title}\n{tip}", self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    # -- hover, focus, scrolling the page ---------------------------------------------

    def _set_pointer(self, at: QPoint) -> None:
        """The pointer is at ``at`` (viewport coordinates): the hovered row's band, the
        Live session button it is on, the pointing hand over a row."""
        self._pointer = at
        row = self.indexAt(at).row()
        if row != self._hover:
            for old_or_new in (self._hover, row):
                if old_or_new >= 0:
                    self.viewport().update(self.row_rect(old_or_new))
            self._hover = row
            self.viewport().setCursor(
                Qt.CursorShape.PointingHandCursor if row >= 0 else Qt.CursorShape.ArrowCursor
            )
        elif row >= 0:
            self.viewport().update(self.live_button_rect(self.row_rect(row)))

    def _follow_pointer(self) -> None:
        """Where the pointer is now, the list having moved under it (the page scrolled)
        or the pointer having moved without the list seeing it (a menu was open)."""
        at = self.viewport().mapFromGlobal(QCursor.pos())
        inside = self.isVisible() and self.viewport().rect().contains(at)
        self._set_pointer(at if inside else QPoint(-1, -1))
        if inside:
            self._recheck.start()  # until the pointer moves here, or is found gone
        else:
            self._recheck.stop()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Follow the pointer (see :meth:`_set_pointer`); Qt now knows it is here."""
        self._recheck.stop()
        self._set_pointer(event.position().toPoint())
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Note whether the press is on a Live session button (see :meth:`_clicked`)."""
        self._pressed_live = self.over_live(event.position().toPoint())
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Where the click ends decides (before ``clicked`` is sent): open, or run live."""
        self._pointer = event.position().toPoint()
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        """No row is hovered once the pointer leaves."""
        self._recheck.stop()
        self._set_pointer(QPoint(-1, -1))
        super().leaveEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        """Find the page this list is on: its scrolling moves rows under the pointer."""
        super().showEvent(event)
        if self._page is None:
            parent = self.parentWidget()
            while parent is not None and not isinstance(parent, QScrollArea):
                parent = parent.parentWidget()
            if isinstance(parent, QScrollArea):
                self._page = parent
                parent.verticalScrollBar().valueChanged.connect(self._follow_pointer)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Tabbing in marks the first note (or the one marked before); a click marks the
        row clicked (the view's own), without scrolling the page under the pointer."""
        keyboard = event.reason() in (
            Qt.FocusReason.TabFocusReason,
            Qt.FocusReason.BacktabFocusReason,
            Qt.FocusReason.ShortcutFocusReason,
        )
        if keyboard and not self.currentIndex().isValid() and self.notes_model.rowCount():
            self._by_keyboard = True
            try:
                self.setCurrentIndex(self.notes_model.index(0))
            finally:
                self._by_keyboard = False
        super().focusInEvent(event)
        self.viewport().update()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        """The focus band goes with the focus."""
        super().focusOutEvent(event)
        self.viewport().update()

    def currentChanged(self, current: _Index, previous: _Index) -> None:
        """Repaint both rows; a move by the keyboard scrolls the page (not this list) to
        the new row (a click does not: the page would move under the pointer)."""
        super().currentChanged(current, previous)
        self.viewport().update()
        if current.isValid() and self._by_keyboard:
            self._show_in_page(current.row())

    def _show_in_page(self, row: int) -> None:
        page = self._page
        inner = page.widget() if page is not None else None
        if page is None or inner is None:
            return
        centre: QPoint = self.viewport().mapTo(inner, self.row_rect(row).center())
        page.ensureVisible(centre.x(), centre.y(), 0, self.row_height())

    def changeEvent(self, event: QEvent) -> None:
        """A new font: rows and columns fitted again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()


def align_columns(views: list[CourseNotesView]) -> None:
    """Lay out every course's list on a page at the widest of each column among them."""
    natural = [view.natural_widths() for view in views]
    widest = {column: max(w[column] for w in natural) for column in natural[0]} if natural else {}
    for view in views:
        view.set_widths(widest)
