"""A form dialog that asks before dropping what was typed.

Cancel, Esc and the window's close button ask "Discard changes?" (Discard changes /
Keep editing) when the form differs from what it showed when it opened. ``reject()``
itself never asks: the lock closes every open dialog with it, and nothing may hold
the screen unlocked (what was not saved is dropped then, as the lock drops every
unsaved form).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QKeyEvent
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget


class GuardedDialog(QDialog):
    """A QDialog whose subclass says what its form shows (:meth:`form_state`) and calls
    :meth:`remember_shown` once filled; its Cancel button is connected to
    :meth:`cancel`."""

    discard_text = "The form was changed and not saved. Discard the changes?"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._shown: object = None

    def form_state(self) -> object:
        """What the form shows now, comparable with ``==`` (the subclass says)."""
        raise NotImplementedError

    def changes_matter(self) -> bool:
        """Whether changes are worth a question (False for a read-only form)."""
        return True

    def remember_shown(self) -> None:
        """Take what the form shows now as the state it opened with."""
        self._shown = self.form_state()

    def may_close(self) -> bool:
        """Whether the dialog may close now: unchanged, or the changes dropped."""
        changed = self.changes_matter() and self.form_state() != self._shown
        return not changed or self.confirm_discard()

    def cancel(self) -> None:
        """Cancel (and Esc): close, asking first when something was changed."""
        if self.may_close():
            self.reject()

    def confirm_discard(self) -> bool:
        """Ask whether to drop the changes; Keep editing (the default) says no."""
        box = QMessageBox(
            QMessageBox.Icon.Question, "Discard changes?", self.discard_text, parent=self
        )
        discard = box.addButton("Discard changes", QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton("Keep editing", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.exec()
        clicked = box.clickedButton()
        box.deleteLater()
        return clicked is discard

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Esc is Cancel (it asks first when something was changed)."""
        if event.key() == Qt.Key.Key_Escape and event.modifiers() == Qt.KeyboardModifier.NoModifier:
            self.cancel()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        """The window's close button is Cancel too (the lock calls ``reject``: no question)."""
        if self.isVisible() and not self.may_close():
            event.ignore()
            return
        super().closeEvent(event)
