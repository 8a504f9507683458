"""The auto-lock warning: a small notice, 30 seconds ahead, that counts down.

It never takes the focus and never blocks anything: any key press or mouse
movement (anywhere in kapnotes, the notice included) cancels the lock and hides
it. The main window shows it over whichever kapnotes window is active.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from kapnotes.ui import theme
from kapnotes.ui.widgets import label


class LockWarning(QFrame):
    """ "kapnotes locks in 27 s" — move the mouse or press a key to stay unlocked."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setObjectName("lockWarning")
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._palette = theme.palette_scheme()
        self.setStyleSheet(theme.render("lock", self._palette))
        self.icon = QLabel()  # its picture is drawn when the notice first shows
        self._icon_size = self.fontMetrics().height() + 6
        self.text = QLabel("")
        self.text.setObjectName("lockWarningText")
        hint = label("Move the mouse or press a key to stay unlocked.", None)
        hint.setObjectName("lockWarningHint")
        words = QVBoxLayout()
        words.setSpacing(2)
        words.addWidget(self.text)
        words.addWidget(hint)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 12, 20, 12)
        row.setSpacing(12)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addLayout(words, 1)
        self.hide()

    def show_countdown(self, seconds: int, over: QWidget | None = None) -> None:
        """Say how many seconds are left, near the bottom of ``over`` (a kapnotes window)."""
        self.text.setText(f"kapnotes locks in {seconds} s")
        if self.icon.pixmap().isNull():
            lock = theme.icon("lock", theme.colour("warning_text", self._palette))
            self.icon.setPixmap(lock.pixmap(self._icon_size, self._icon_size))
        self.adjustSize()
        if over is not None:
            frame = over.frameGeometry()
            spot = QPoint(
                frame.x() + (frame.width() - self.width()) // 2,
                frame.y() + frame.height() - self.height() - 48,
            )
            self.move(spot)
        if not self.isVisible():
            self.show()
        self.raise_()
