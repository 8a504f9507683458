"""Small building blocks shared by views and dialogs: styled labels, cards, field rows.

Styling is by the dynamic `role` property, matched in resources/themes/base.qss.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)


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


class OptionalDateEdit(QWidget):
    """A date edit that may be empty: "Not recorded" with a button, or a date and a clear."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None, default_years_ago: int = 40) -> None:
        super().__init__(parent)
        self._default_years_ago = default_years_ago
        self._stack = QStackedWidget(self)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self._stack)

        empty = QWidget()
        empty_lay = QHBoxLayout(empty)
        empty_lay.setContentsMargins(0, 0, 0, 0)
        self.set_button = QPushButton("Set date…")
        self.set_button.setObjectName("setDateButton")
        self.set_button.clicked.connect(self._start_editing)
        empty_lay.addWidget(label("Not recorded", "muted"))
        empty_lay.addWidget(self.set_button)
        empty_lay.addStretch(1)

        filled = QWidget()
        filled_lay = QHBoxLayout(filled)
        filled_lay.setContentsMargins(0, 0, 0, 0)
        self.date_edit = QDateEdit()
        self.date_edit.setObjectName("dateEdit")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy-MM-dd")
        self.date_edit.setMinimumDate(QDate(1900, 1, 1))
        self.date_edit.setMaximumDate(QDate(2100, 12, 31))
        self.date_edit.setMinimumWidth(150)
        self.date_edit.dateChanged.connect(lambda _d: self.changed.emit())
        self.clear_button = QToolButton()
        self.clear_button.setObjectName("clearDateButton")
        self.clear_button.setText("Clear")
        self.clear_button.setProperty("role", "small")
        self.clear_button.setToolTip("Leave the date of birth empty")
        self.clear_button.clicked.connect(lambda: self.set_value(None))
        filled_lay.addWidget(self.date_edit)
        filled_lay.addWidget(self.clear_button)
        filled_lay.addStretch(1)

        self._stack.addWidget(empty)
        self._stack.addWidget(filled)
        self._stack.setCurrentIndex(0)

    def _start_editing(self) -> None:
        today = date.today()
        self.set_value(today.replace(year=today.year - self._default_years_ago, month=1, day=1))
        self.date_edit.setFocus()

    def value(self) -> date | None:
        """The date entered, or None when empty."""
        if self._stack.currentIndex() == 0:
            return None
        value = self.date_edit.date().toPython()
        return value if isinstance(value, date) else None

    def set_value(self, value: date | None) -> None:
        """Show `value`, or the empty state for None."""
        if value is None:
            self._stack.setCurrentIndex(0)
        else:
            self.date_edit.setDate(QDate(value.year, value.month, value.day))
            self._stack.setCurrentIndex(1)
        self.changed.emit()

    def set_invalid(self, invalid: bool) -> None:
        """Mark the date edit red."""
        set_invalid(self.date_edit, invalid)


def enter_presses(dialog: QDialog, primary: QPushButton) -> None:
    """Enter in `dialog` presses `primary` only (never a helper button such as "Set date…")."""
    for button in dialog.findChildren(QPushButton):
        button.setAutoDefault(button is primary)
        button.setDefault(button is primary)
