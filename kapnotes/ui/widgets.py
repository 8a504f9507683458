"""Small building blocks shared by views and dialogs: styled labels, cards, field rows,
and the application's wheel guard (a scrolled form's values never change under the
pointer).

Styling is by the dynamic `role` property, matched in resources/themes/base.qss.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from kapnotes.ui import theme
from kapnotes.ui.dates import date_order, date_separator, qdate, typed_text

if TYPE_CHECKING:  # made with the first calendar shown (not for the lock screen)
    from PySide6.QtWidgets import QCalendarWidget


def _turned_by_wheel(widget: QObject) -> bool:
    """A widget whose value the mouse wheel changes: a choice list, a number, date or time
    box, a slider (not a scroll bar, whose value is the page's position). Asked by Qt's
    class names: the lock screen makes none of these classes and loads none for this."""
    if widget.inherits("QComboBox") or widget.inherits("QAbstractSpinBox"):
        return True
    return widget.inherits("QAbstractSlider") and not widget.inherits("QScrollBar")


#: The events :func:`guard_wheel_event` acts on.
WHEEL_GUARDED = (QEvent.Type.Polish, QEvent.Type.Wheel)


def guard_wheel_event(watched: QObject, event: QEvent, kind: QEvent.Type) -> bool:
    """The mouse wheel over a value that has no keyboard focus scrolls the page instead.

    Qt lets the wheel change a choice list, a number, date or time box or a slider that
    merely lies under the pointer, and gives it focus as it does: scrolling down a long
    note changed its product and route when the list passed under the pointer, and the
    autosave kept the change. Given every event of the application (the privacy
    curtain's filter passes on those of :data:`WHEEL_GUARDED`: one Python filter on the
    application, not two, as each costs every event of every window a call into Python),
    this takes the wheel focus away from such widgets as they are first shown (a click
    or Tab still focuses them) and hands a wheel turn over one that is not focused on to
    its parents, the scroll area among them. A choice list never turns with the wheel,
    focused or not (as on macOS): one is often still focused after a choice is made in
    it, when the user scrolls on (its popup, once open, scrolls as usual); a number, date
    or time turns once the user has clicked or tabbed into it. Returns True when the
    event is not for the widget. ``kind`` is ``event.type()``, as the filter has it.
    """
    if kind == QEvent.Type.Polish:
        if _turned_by_wheel(watched):
            assert isinstance(watched, QWidget)
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        return False
    if kind != QEvent.Type.Wheel or not _turned_by_wheel(watched):
        return False
    assert isinstance(watched, QWidget)
    focused = QApplication.focusWidget()
    has_focus = watched.hasFocus() or (focused is not None and watched.isAncestorOf(focused))
    if has_focus and not watched.inherits("QComboBox"):
        return False
    event.ignore()  # not handled here: Qt offers the turn to the parents (the page)
    return True


def set_role(widget: QWidget, role: str) -> None:
    """Give a widget a style role and re-polish it so the style sheet applies."""
    widget.setProperty("role", role)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


def label(text: str = "", role: str | None = None, *, wrap: bool = False) -> QLabel:
    """A QLabel with an optional style role."""
    lbl = QLabel(text)
    if role:
        lbl.setProperty("role", role)
    lbl.setWordWrap(wrap)
    lbl.setTextFormat(Qt.TextFormat.PlainText)
    return lbl


def set_invalid(widget: QWidget, invalid: bool) -> None:
    """Mark an input red (or not) through the `invalid` property."""
    if bool(widget.property("invalid")) == invalid:
        return
    widget.setProperty("invalid", invalid)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)


class Card(QFrame):
    """A rounded panel with a border, laid out vertically."""

    def __init__(self, parent: QWidget | None = None, margins: int = 20, spacing: int = 10) -> None:
        super().__init__(parent)
        self.setProperty("role", "card")
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(margins, margins, margins, margins)
        self.body.setSpacing(spacing)


class ErrorLabel(QLabel):
    """Red text shown under a field; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.hide()

    def show_message(self, message: str | None) -> None:
        """Show `message`, or hide when it is empty."""
        self.setText(message or "")
        self.setVisible(bool(message))


class DateInput(QWidget):
    """A date typed in the locale's order (``3/14/1985``) or picked from a calendar.

    Empty until the user gives one: nothing is prefilled. The widget only holds the
    text; what it means is read by :func:`kapnotes.domain.parse.parse_day` (see
    :meth:`day`), so a form can say what is wrong with it.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None, *, latest: date | None = None) -> None:
        super().__init__(parent)
        self._latest = latest
        self.order = date_order()
        self.separator = date_separator()
        from kapnotes.domain.parse import date_pattern

        self.pattern = date_pattern(self.order, self.separator)
        self.edit = QLineEdit()
        self.edit.setObjectName("dateText")
        self.edit.setPlaceholderText(self.pattern)
        self.edit.setMaxLength(40)
        self.edit.setMinimumWidth(150)
        self.edit.textEdited.connect(lambda _t: self.edited.emit())
        self.edit.editingFinished.connect(self._tidy)
        self.calendar_button = QToolButton()
        self.calendar_button.setObjectName("calendarButton")
        self.calendar_button.setIcon(theme.icon("course"))
        self.calendar_button.setProperty("role", "small")
        self.calendar_button.setToolTip("Pick the date from a calendar")
        self.calendar_button.setAccessibleName("Pick the date from a calendar")
        self.calendar_button.clicked.connect(self.open_calendar)
        self.calendar: QCalendarWidget | None = None
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(6)
        lay.addWidget(self.edit, 1)
        lay.addWidget(self.calendar_button)
        self.setFocusProxy(self.edit)

    def text(self) -> str:
        """What is typed."""
        return self.edit.text()

    def day(self, label: str = "Date") -> date | None:
        """The date typed, None when empty; raises InputError naming ``label``."""
        from kapnotes.domain.parse import parse_day

        return parse_day(self.edit.text(), self.order, label, self.separator)

    def set_value(self, value: date | None) -> None:
        """Show ``value`` as the locale types it (empty for None)."""
        self.edit.setText(typed_text(value))
        self.edited.emit()

    def set_invalid(self, invalid: bool) -> None:
        """Mark the text red."""
        set_invalid(self.edit, invalid)

    def _tidy(self) -> None:
        """A date typed another way (``14 Mar 1985``) is rewritten the locale's way."""
        try:
            day = self.day()
        except ValueError:
            return
        if day is not None and typed_text(day) != self.edit.text():
            self.edit.setText(typed_text(day))

    def open_calendar(self) -> QCalendarWidget:
        """Show a calendar under the field; a click fills the date in."""
        if self.calendar is None:
            from PySide6.QtWidgets import QCalendarWidget

            self.calendar = QCalendarWidget(self)
            self.calendar.setObjectName("datePopup")
            self.calendar.setWindowFlag(Qt.WindowType.Popup, True)
            self.calendar.setGridVisible(False)
            self.calendar.clicked.connect(self._picked)
            self.calendar.activated.connect(self._picked)
        if self._latest is not None:
            self.calendar.setMaximumDate(qdate(self._latest))
        try:
            current = self.day()
        except ValueError:
            current = None
        shown = current or self._latest or date.today()
        self.calendar.setSelectedDate(qdate(shown))
        self.calendar.setCurrentPage(shown.year, shown.month)
        self.calendar.adjustSize()
        self.calendar.move(self.mapToGlobal(QPoint(0, self.height() + 2)))
        self.calendar.show()
        self.calendar.setFocus()
        return self.calendar

    def _picked(self, picked: QDate) -> None:
        value = picked.toPython()
        if self.calendar is not None:
            self.calendar.hide()
        if isinstance(value, date):
            self.set_value(value)
        self.edit.setFocus()


class RevealButton(QToolButton):
    """An eye button beside secret fields: shows or hides what was typed in them.

    Checked means shown. ``hide_text()`` puts the fields back to hidden (call it
    whenever the screen is reset, e.g. on locking).
    """

    def __init__(self, *edits: QLineEdit, what: str = "passphrase") -> None:
        super().__init__()
        self._edits = edits
        self._what = what
        self._drawn: tuple[str, str] | None = None  # the icon shown: (name, colour)
        self.setObjectName("revealButton")
        self.setProperty("role", "small")
        self.setCheckable(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.toggled.connect(self._apply)
        self._apply(False)

    def _apply(self, shown: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password
        for edit in self._edits:
            edit.setEchoMode(mode)
        text = f"{'Hide' if shown else 'Show'} {self._what}"
        drawn = ("eye-off" if shown else "eye", theme.text_colour())
        if drawn != self._drawn:  # (the lock screen resets it on every lock: drawn once)
            self.setIcon(theme.icon(*drawn))
            self._drawn = drawn
        self.setToolTip(text)
        self.setAccessibleName(text)

    def set_what(self, what: str, *, shown: bool = False) -> None:
        """Name what the fields hold (``"recovery key"``) and show or hide it."""
        self._what = what
        self.setChecked(shown)
        self._apply(shown)

    def hide_text(self) -> None:
        """Hide the fields' text again."""
        self.set_what(self._what, shown=False)


def enter_presses(dialog: QDialog, primary: QPushButton) -> None:
    """Enter in `dialog` presses `primary` only (never a helper button such as "Set date…")."""
    for button in dialog.findChildren(QPushButton):
        button.setAutoDefault(button is primary)
        button.setDefault(button is primary)


def admin_only_note(what: str, object_name: str) -> QLabel:
    """The line atop a dialog shown read only to a clinician who is not an administrator:
    "Only an administrator can change ``what``: shown here read only. …"."""
    note = label(
        f"Only an administrator can change {what}: shown here read only. Ask the "
        "clinic's administrator (the vault's first clinician is one).",
        "warning",
        wrap=True,
    )
    note.setObjectName(object_name)
    return note
