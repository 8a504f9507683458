"""The privacy curtain: F12 blacks out every kapnotes window at once; F12 brings them back.

:class:`Curtain` is the black overlay itself (the live session view also keeps
one of its own, for when it runs on its own). :class:`PrivacyCurtain`, made by
the main window and installed on the application, makes F12 work anywhere: it
puts a curtain over every top-level kapnotes window (main window, note windows,
live sessions, open dialogs), shows only "kapnotes" as their titles (no client
name on the taskbar), and while they are up lets no key or click reach anything
underneath — only F12 (to lower them) and Ctrl+L (to lock). Timers keep running
under it: a live session's clock and reminders go on. Lowering puts the focus
back where it was.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from kapnotes import APP_NAME
from kapnotes.ui import theme
from kapnotes.ui.widgets import WHEEL_GUARDED, guard_wheel_event


def _nothing() -> None:
    """No one to tell of input yet."""


CURTAIN_KEY: Final = "F12"
#: Keys that still work under the curtain: locking only hides more.
PASS_THROUGH: Final = frozenset({"Ctrl+L"})

_INPUT: Final = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.Wheel,
        QEvent.Type.ContextMenu,
        QEvent.Type.TouchBegin,
        QEvent.Type.TabletPress,
    }
)


class Curtain(QWidget):
    """A black overlay over its parent; whatever runs underneath goes on running."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("privacyCurtain")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setStyleSheet(theme.render("lock", theme.palette_scheme()))
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        hint = QLabel(f"Press {CURTAIN_KEY} to return")
        hint.setObjectName("curtainHint")
        lay.addWidget(hint, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignBottom)
        self.hide()


def covered(widget: QWidget) -> bool:
    """Whether a curtain hides the window ``widget`` is in."""
    window = widget.window()
    return any(c.isVisible() and c.window() is window for c in window.findChildren(Curtain))


def _keys(event: QKeyEvent) -> str:
    return QKeySequence(event.keyCombination()).toString()


def _covers(widget: QWidget) -> bool:
    """Whether a top-level widget is a window to curtain (not a tooltip, menu or toast)."""
    kind = widget.windowType()
    return widget.isVisible() and kind in (Qt.WindowType.Window, Qt.WindowType.Dialog)


class PrivacyCurtain(QObject):
    """F12 anywhere: a curtain over every kapnotes window; F12 again lowers them all.

    Install it on the application (``app.installEventFilter(curtain)``). It takes
    F12 before any shortcut of a window can, so one key works the same
    everywhere. ``changed(bool)`` says whether the curtains are up. As the
    application's filter it also keeps the mouse wheel from changing a value it
    passes over (:func:`kapnotes.ui.widgets.guard_wheel_event`).
    """

    changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._curtains: list[tuple[QWidget, Curtain, str]] = []
        self._focus: QWidget | None = None
        self._input_kinds: frozenset[QEvent.Type] = frozenset()
        self._on_input: Callable[[], None] = _nothing

    def watch_input(self, on_input: Callable[[], None], kinds: frozenset[QEvent.Type]) -> None:
        """Call ``on_input`` for every event of ``kinds`` the application sees, curtain up
        or not (the idle lock's watcher: one Python filter on the application, not two)."""
        self._on_input, self._input_kinds = on_input, kinds

    @property
    def shown(self) -> bool:
        """Whether the curtains are up."""
        return bool(self._curtains)

    def windows(self) -> list[QWidget]:
        """The windows a curtain covers now."""
        return [window for window, _curtain, _title in self._curtains if shiboken6.isValid(window)]

    def toggle(self) -> None:
        """Raise the curtains, or lower them."""
        if self.shown:
            self.lower_all()
        else:
            self.raise_all()

    def raise_all(self) -> None:
        """Cover every visible kapnotes window at once; the focus goes to a curtain."""
        if self.shown:
            return
        focus = QApplication.focusWidget()
        self._focus = focus
        active = (focus.window() if focus is not None else None) or QApplication.activeWindow()
        target: Curtain | None = None
        for window in QApplication.topLevelWidgets():
            if not _covers(window):
                continue
            curtain = Curtain(window)
            curtain.setGeometry(window.rect())
            curtain.show()
            curtain.raise_()
            self._curtains.append((window, curtain, window.windowTitle()))
            window.setWindowTitle(APP_NAME)  # no client name on the taskbar either
            if window is active or target is None:
                target = curtain
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit(self.shown)

    def lower_all(self, *, restore_focus: bool = True) -> None:
        """Take every curtain away and put the focus back where it was (unless not wanted:
        locking puts it on the passphrase)."""
        if not self.shown:
            return
        curtains, self._curtains = self._curtains, []
        for window, curtain, title in curtains:
            if shiboken6.isValid(window):  # a window may have closed (and gone) meanwhile
                window.setWindowTitle(title)
            if shiboken6.isValid(curtain):
                curtain.hide()
                curtain.deleteLater()
        focus, self._focus = self._focus, None
        if restore_focus and focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.activateWindow()
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.changed.emit(False)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Input noted (:meth:`watch_input`); F12 toggles (before any shortcut); while up,
        input reaches nothing underneath; the wheel guarded."""
        kind = event.type()
        if kind in self._input_kinds:
            self._on_input()
        if kind == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent):
            if _keys(event) == CURTAIN_KEY:
                event.accept()  # a key press, not a window's shortcut: handled below
                return True
            if self.shown and _keys(event) not in PASS_THROUGH:
                event.accept()  # no shortcut fires under the curtain …
                return True
            return False
        if (
            kind == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and _keys(event) == CURTAIN_KEY
        ):
            if not event.isAutoRepeat():
                self.toggle()
            event.accept()
            return True
        if kind == QEvent.Type.Resize and self.shown:
            for window, curtain, _title in self._curtains:
                if watched is window and shiboken6.isValid(curtain):
                    curtain.setGeometry(window.rect())
        if self.shown and kind in _INPUT:
            event.accept()  # … and no key, click or wheel reaches an input
            return True
        if kind in WHEEL_GUARDED:  # this is the application's one Python filter
            return guard_wheel_event(watched, event, kind)
        return False
