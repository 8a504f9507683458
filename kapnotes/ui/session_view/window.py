"""`SessionWindow`: the live session view in its own window (Ctrl+W closes it).

Esc cancels a correction or brings the focus back to the observation line and
never closes the window. Closing loses nothing: every entry was committed when
it was shown, and an observation still being typed is saved on close.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QWidget

from kapnotes.ui import theme
from kapnotes.ui.session_view.view import SessionConfig, SessionView


class SessionWindow(QMainWindow):
    """A window holding one :class:`SessionView` built from its :class:`SessionConfig`."""

    lock_requested = Signal()

    def __init__(self, config: SessionConfig, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sessionWindow")
        self.setWindowIcon(theme.app_icon())
        self.view = SessionView(config)
        self.setCentralWidget(self.view)
        self.setWindowTitle(f"Live session · {self.view.record.client.name}")
        self.resize(1400, 900)
        self.view.close_requested.connect(self.close)
        self.close_shortcut = QShortcut(QKeySequence("Ctrl+W"), self)
        self.close_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.close_shortcut.activated.connect(self.close)
        # Ctrl+L locks the whole app (entries are saved; the session is reopened after unlock).
        self.lock_shortcut = QShortcut(QKeySequence("Ctrl+L"), self)
        self.lock_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.lock_shortcut.activated.connect(self.lock_requested)

    def closeEvent(self, event: QCloseEvent) -> None:
        """An observation typed but not yet entered is saved, not lost, when the window goes."""
        self.view.save_pending()
        super().closeEvent(event)

    @property
    def note_id(self) -> str:
        """The dosing note shown."""
        return self.view.record.note_id
